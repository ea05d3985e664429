import * as tf from '@tensorflow/tfjs';
import { GradArg, hasKernel } from './has-kernel';
import { KT_KERNEL_NAMES } from './kernel-names';

/** Attributes of the KtLayerNorm / KtLayerNormGrad kernels. */
export interface LayerNormAttrs {
  epsilon: number;
}

/** LayerNorm over the last axis in plain tfjs ops: (x - mean) / sqrt(var + eps) * gamma + beta. */
export function layerNormComposite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
  });
}

type LayerNormFn = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;

function fusedLayerNorm(epsilon: number): LayerNormFn {
  const attrs: LayerNormAttrs = { epsilon };
  return tf.customGrad((...args: GradArg[]) => {
    const [x, gamma, beta] = args.slice(0, 3) as tf.Tensor[];
    (args[3] as tf.GradSaveFunc)([x!, gamma!]);
    const value = tf.engine().runKernel(KT_KERNEL_NAMES.layerNorm, { x: x!, gamma: gamma!, beta: beta! }, { ...attrs }) as tf.Tensor;
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
        tf.engine().runKernel(KT_KERNEL_NAMES.layerNormGrad, { x: saved[0]!, gamma: saved[1]!, dy }, { ...attrs }) as tf.Tensor[],
    };
  }) as unknown as LayerNormFn;
}

const layerNormByEpsilon = new Map<number, LayerNormFn>();

/**
 * LayerNorm over the last axis with gamma, beta of shape [d]. Where the backend has the KtLayerNorm /
 * KtLayerNormGrad kernels one kernel forward and one backward; elsewhere (or for other shapes / dtypes)
 * {@link layerNormComposite}.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  const d = x.shape[x.shape.length - 1];
  const fits =
    x.dtype === 'float32' &&
    gamma.dtype === 'float32' &&
    beta.dtype === 'float32' &&
    gamma.rank === 1 &&
    beta.rank === 1 &&
    gamma.shape[0] === d &&
    beta.shape[0] === d;
  if (!fits || !hasKernel(KT_KERNEL_NAMES.layerNorm)) return layerNormComposite(x, gamma, beta, epsilon);
  let op = layerNormByEpsilon.get(epsilon);
  if (op === undefined) {
    op = fusedLayerNorm(epsilon);
    layerNormByEpsilon.set(epsilon, op);
  }
  return op(x, gamma, beta);
}
