import * as tf from '@tensorflow/tfjs';
import { GradArg, hasKernel } from './has-kernel';
import { KT_KERNEL_NAMES } from './kernel-names';

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU (tanh form) in plain tfjs ops: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function geluComposite(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const x3 = tf.mul(tf.mul(x, x), x);
    const inner = tf.mul(GELU_C, tf.add(x, tf.mul(0.044715, x3)));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

const fusedGelu = tf.customGrad((...args: GradArg[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  const value = tf.engine().runKernel(KT_KERNEL_NAMES.gelu, { x }) as tf.Tensor;
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor =>
      tf.engine().runKernel(KT_KERNEL_NAMES.geluGrad, { x: saved[0]!, dy }) as tf.Tensor,
  };
}) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * GELU (tanh form). Where the backend has the KtGelu / KtGeluGrad kernels one kernel forward and one
 * backward; elsewhere {@link geluComposite}, which it matches to float rounding.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || !hasKernel(KT_KERNEL_NAMES.gelu)) return geluComposite(x);
  return fusedGelu(x);
}
