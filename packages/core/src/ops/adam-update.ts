import * as tf from '@tensorflow/tfjs';
import { hasKernel } from './has-kernel';
import { KT_KERNEL_NAMES } from './kernel-names';

/** Attributes of the KtAdam kernel: one step of tfjs's AdamOptimizer. */
export interface AdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** beta1 ** t and beta2 ** t for this (1-based) step t, as float32 values (tfjs keeps them as float32 scalars). */
  accBeta1: number;
  accBeta2: number;
}

/** The new value, first and second moments of one Adam step. */
export type AdamResult = [value: tf.Tensor, m: tf.Tensor, v: tf.Tensor];

/** {@link adamUpdate} in plain tfjs ops: tfjs's AdamOptimizer, op by op. */
export function adamUpdateComposite(value: tf.Tensor, m: tf.Tensor, v: tf.Tensor, grad: tf.Tensor, a: AdamAttrs): AdamResult {
  return tf.tidy(() => {
    const newM = tf.add(tf.mul(m, a.beta1), tf.mul(grad, 1 - a.beta1));
    const newV = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(grad), 1 - a.beta2));
    const mHat = tf.div(newM, tf.scalar(1 - a.accBeta1));
    const vHat = tf.div(newV, tf.scalar(1 - a.accBeta2));
    const newValue = tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), a.epsilon)), -a.learningRate), value);
    return [newValue, newM, newV] as AdamResult;
  });
}

/**
 * One Adam step of a variable's value with its moments m and v from grad (tfjs's AdamOptimizer formula, float32):
 * returns the new [value, m, v], for the caller to assign. Where the backend has the KtAdam kernel one kernel call
 * (one pass over the four buffers); elsewhere {@link adamUpdateComposite}. Not differentiable.
 */
export function adamUpdate(value: tf.Tensor, m: tf.Tensor, v: tf.Tensor, grad: tf.Tensor, attrs: AdamAttrs): AdamResult {
  const same = [m, v, grad].every((t) => t.size === value.size);
  if (!same) throw new Error(`adamUpdate: value, m, v and grad differ in size`);
  const float = [value, m, v, grad].every((t) => t.dtype === 'float32');
  if (!float || !hasKernel(KT_KERNEL_NAMES.adam)) return adamUpdateComposite(value, m, v, grad, attrs);
  return tf.engine().runKernel(KT_KERNEL_NAMES.adam, { value, m, v, grad }, { ...attrs }) as unknown as AdamResult;
}
