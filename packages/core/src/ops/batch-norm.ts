import * as tf from '@tensorflow/tfjs';
import { hasKernel } from './has-kernel';
import { KT_KERNEL_NAMES } from './kernel-names';

/** Attributes of the KtBatchNorm / KtBatchNormGrad kernels. */
export interface BatchNormAttrs {
  epsilon: number;
}

export interface BatchNormOptions {
  /**
   * true: normalise with the batch's statistics (mean and biased variance over every axis but the last);
   * false: with `runningMean` / `runningVariance` (required then).
   */
  training: boolean;
  /** Added to the variance under the square root (default 1e-5). */
  epsilon?: number;
  /** Eval mode: the per-channel mean to normalise with (e.g. a layer's running mean). */
  runningMean?: tf.Tensor;
  /** Eval mode: the per-channel variance to normalise with. */
  runningVariance?: tf.Tensor;
  /** Eval mode: also return the batch statistics of x (differentiable w.r.t. x). Training always returns them. */
  batchStats?: boolean;
}

/** The normalised output and, in training (or with `batchStats`), x's batch statistics per channel. */
export interface BatchNormResult {
  y: tf.Tensor;
  /** Mean of x over every axis but the last; undefined in eval mode without `batchStats`. */
  mean: tf.Tensor1D | undefined;
  /** Biased (population) variance of x over every axis but the last, as PyTorch's `var(unbiased=False)`. */
  variance: tf.Tensor1D | undefined;
}

const DEFAULT_EPSILON = 1e-5;

/** [y, mean, variance] of training-mode batch norm in plain tfjs ops (tf.moments + tf.batchNorm); differentiable in every output. */
export function batchNormComposite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = DEFAULT_EPSILON): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    const y = tf.batchNorm(x, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, epsilon);
    return [y, mean as tf.Tensor1D, variance as tf.Tensor1D];
  });
}

let gradientRegistered = false;

/**
 * The gradient of KtBatchNorm's three outputs (tfjs passes zeros for an output that does not reach the loss): one
 * KtBatchNormGrad call from the saved inputs (x, gamma, beta and, in eval mode, the running statistics) and the
 * saved batch mean and variance; the running statistics' gradients (per channel) from its dgamma and dbeta.
 * KtBatchNorm's inputs are positional (an array, as tfjs's Concat / AddN take theirs), so that the optional
 * running statistics can be saved: tfjs saves named inputs only from a fixed list.
 */
function registerBatchNormGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: KT_KERNEL_NAMES.batchNorm,
    saveAllInputs: true,
    outputsToSave: [false, true, true],
    gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> => {
      const [dy, dmean, dvariance] = dys as tf.Tensor[];
      // Inputs in the order runKernel received them, then the saved outputs.
      const withRunning = saved.length === 7;
      const [x, gamma, , ...rest] = saved;
      const [runningMean, runningVariance, mean, variance] = withRunning ? rest : [undefined, undefined, ...rest];
      const a: BatchNormAttrs = { epsilon: attrs['epsilon'] as number };
      const inputs: tf.NamedTensorMap = { x: x!, gamma: gamma!, mean: mean!, variance: variance!, dy: dy!, dmean: dmean!, dvariance: dvariance! };
      if (runningMean && runningVariance) Object.assign(inputs, { runningMean, runningVariance });
      const [dx, dgamma, dbeta] = tf.engine().runKernel(KT_KERNEL_NAMES.batchNormGrad, inputs, { ...a }) as tf.Tensor[];
      const grads: Record<string, () => tf.Tensor> = { 0: () => dx!, 1: () => dgamma!, 2: () => dbeta! };
      if (runningMean && runningVariance) {
        // y = (x - m) g r + b with r = (v + eps)^-1/2: dm = -g r sum dy = -g r dbeta; dv = -1/2 g r^2 sum dy (x - m) r = -1/2 g r^2 dgamma.
        const r = tf.rsqrt(tf.add(runningVariance, a.epsilon));
        grads[3] = () => tf.neg(tf.mul(tf.mul(gamma!, r), dbeta!));
        grads[4] = () => tf.mul(tf.mul(tf.mul(gamma!, tf.square(r)), dgamma!), -0.5);
      }
      return grads;
    },
  });
}

/**
 * [y, mean, variance] from the KtBatchNorm kernel (gradient: KtBatchNormGrad through all three); y normalised with
 * the running statistics when given, else with the batch's.
 */
function batchNormFused(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, running?: [tf.Tensor, tf.Tensor]): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  registerBatchNormGradient();
  const attrs: BatchNormAttrs = { epsilon };
  const inputs = running ? [x, gamma, beta, running[0], running[1]] : [x, gamma, beta];
  return tf.engine().runKernel(KT_KERNEL_NAMES.batchNorm, inputs as unknown as tf.NamedTensorMap, { ...attrs }) as unknown as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
}

function fusedAvailable(tensors: tf.Tensor[]): boolean {
  return tensors.every((t) => t.dtype === 'float32') && hasKernel(KT_KERNEL_NAMES.batchNorm);
}

function checkChannels(name: string, t: tf.Tensor | undefined, channels: number): void {
  if (t !== undefined && (t.rank !== 1 || t.shape[0] !== channels)) {
    throw new Error(`batchNorm: ${name} must be [${channels}] (one value per channel), got [${t.shape.join(', ')}]`);
  }
}

/** The training-mode computation: the fused kernel where the backend has it, else {@link batchNormComposite}. */
function batchStatistics(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  return fusedAvailable([x, gamma, beta]) ? batchNormFused(x, gamma, beta, epsilon) : batchNormComposite(x, gamma, beta, epsilon);
}

/**
 * Batch normalisation of x [..., C] (NHWC activations, or [N, C]) per channel with scale gamma [C] and shift beta [C].
 * Training: y = (x − mean) / sqrt(variance + ε) · gamma + beta with x's batch mean and biased variance over every axis
 * but the last, which are returned too; gradients flow to x, gamma and beta from y AND from the returned statistics
 * (DeepInversion differentiates a statistics-matching loss w.r.t. the input). Where the backend has the KtBatchNorm /
 * KtBatchNormGrad kernels one kernel forward (statistics and y) and one backward; elsewhere
 * {@link batchNormComposite}. Eval: y normalised with `runningMean` / `runningVariance`, plus x's batch statistics when `batchStats` is set (then one KtBatchNorm call computes both where the backend
 * has it; elsewhere tf.batchNorm and tf.moments). Keeping running statistics is the caller's.
 */
export function batchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, options: BatchNormOptions): BatchNormResult {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  if (x.rank < 2) throw new Error(`batchNorm: x must be [..., channels] of rank >= 2, got [${x.shape.join(', ')}]`);
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new Error(`batchNorm: epsilon must be a finite number >= 0, got ${epsilon}`);
  const channels = x.shape[x.rank - 1]!;
  checkChannels('gamma', gamma, channels);
  checkChannels('beta', beta, channels);
  if (options.training) {
    const [y, mean, variance] = batchStatistics(x, gamma, beta, epsilon);
    return { y, mean, variance };
  }
  const { runningMean, runningVariance } = options;
  if (runningMean === undefined || runningVariance === undefined) {
    throw new Error('batchNorm: eval mode (training: false) needs runningMean and runningVariance');
  }
  checkChannels('runningMean', runningMean, channels);
  checkChannels('runningVariance', runningVariance, channels);
  if (options.batchStats && fusedAvailable([x, gamma, beta, runningMean, runningVariance])) {
    const [y, mean, variance] = batchNormFused(x, gamma, beta, epsilon, [runningMean, runningVariance]);
    return { y, mean, variance };
  }
  return tf.tidy(() => {
    const y = tf.batchNorm(x, runningMean as tf.Tensor1D, runningVariance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, epsilon);
    if (!options.batchStats) return { y, mean: undefined, variance: undefined };
    const { mean, variance } = tf.moments(x, x.shape.slice(0, -1).map((_, i) => i));
    return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  });
}
