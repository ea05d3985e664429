import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNEL_NAMES } from './kernels/fused-kernels';

const GELU_C = Math.sqrt(2 / Math.PI);

/** Whether the fused kernels run here: the native kernels are registered and the backend is wasm. */
export function fusedKernelsActive(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(FUSED_KERNEL_NAMES.gelu, 'wasm') !== undefined;
}

/** GELU (tanh form) in plain tfjs ops: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function geluComposite(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const x3 = tf.mul(tf.mul(x, x), x);
    const inner = tf.mul(GELU_C, tf.add(x, tf.mul(0.044715, x3)));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/** LayerNorm over the last axis in plain tfjs ops: (x - mean) / sqrt(var + eps) * gamma + beta. */
export function layerNormComposite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
  });
}

type GradArg = tf.Tensor | tf.GradSaveFunc;

const fusedGelu = tf.customGrad((...args: GradArg[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  const value = tf.engine().runKernel(FUSED_KERNEL_NAMES.gelu, { x }) as tf.Tensor;
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor =>
      tf.engine().runKernel(FUSED_KERNEL_NAMES.geluGrad, { x: saved[0]!, dy }) as tf.Tensor,
  };
});

/**
 * GELU (tanh form). With the native kernels on wasm one kernel forward and one
 * backward (KtGelu / KtGeluGrad); elsewhere geluComposite, which it matches to float rounding.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || !fusedKernelsActive()) return geluComposite(x);
  return (fusedGelu as unknown as (t: tf.Tensor) => tf.Tensor)(x);
}

function fusedLayerNorm(epsilon: number): (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: GradArg[]) => {
    const [x, gamma, beta] = args.slice(0, 3) as tf.Tensor[];
    (args[3] as tf.GradSaveFunc)([x!, gamma!]);
    const value = tf.engine().runKernel(FUSED_KERNEL_NAMES.layerNorm, { x: x!, gamma: gamma!, beta: beta! }, { epsilon }) as tf.Tensor;
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
        tf.engine().runKernel(FUSED_KERNEL_NAMES.layerNormGrad, { x: saved[0]!, gamma: saved[1]!, dy }, { epsilon }) as tf.Tensor[],
    };
  }) as unknown as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
}

const layerNormByEpsilon = new Map<number, (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor>();

/**
 * LayerNorm over the last axis with gamma, beta of shape [d]. With the native kernels on wasm one kernel
 * forward and one backward (KtLayerNorm / KtLayerNormGrad); elsewhere (or for other shapes / dtypes)
 * layerNormComposite.
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
  if (!fits || !fusedKernelsActive()) return layerNormComposite(x, gamma, beta, epsilon);
  let op = layerNormByEpsilon.get(epsilon);
  if (!op) {
    op = fusedLayerNorm(epsilon);
    layerNormByEpsilon.set(epsilon, op);
  }
  return op(x, gamma, beta);
}
