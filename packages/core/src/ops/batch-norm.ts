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
 * KtBatchNormGrad call from the saved x, gamma, mean and variance.
 */
function registerBatchNormGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: KT_KERNEL_NAMES.batchNorm,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> => {
      const [dy, dmean, dvariance] = dys as tf.Tensor[];
      const [x, gamma, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const a: BatchNormAttrs = { epsilon: attrs['epsilon'] as number };
      const [dx, dgamma, dbeta] = tf
        .engine()
        .runKernel(KT_KERNEL_NAMES.batchNormGrad, { x, gamma, mean, variance, dy: dy!, dmean: dmean!, dvariance: dvariance! }, { ...a }) as tf.Tensor[];
      return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta! };
    },
  });
}

/** [y, mean, variance] from the KtBatchNorm kernel (gradient: KtBatchNormGrad through all three). */
function batchNormFused(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  registerBatchNormGradient();
  const attrs: BatchNormAttrs = { epsilon };
  return tf.engine().runKernel(KT_KERNEL_NAMES.batchNorm, { x, gamma, beta }, { ...attrs }) as unknown as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
}

function checkChannels(name: string, t: tf.Tensor | undefined, channels: number): void {
  if (t !== undefined && (t.rank !== 1 || t.shape[0] !== channels)) {
    throw new Error(`batchNorm: ${name} must be [${channels}] (one value per channel), got [${t.shape.join(', ')}]`);
  }
}

/** The training-mode computation: the fused kernel where the backend has it, else {@link batchNormComposite}. */
function batchStatistics(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  const fused = [x, gamma, beta].every((t) => t.dtype === 'float32') && hasKernel(KT_KERNEL_NAMES.batchNorm);
  return fused ? batchNormFused(x, gamma, beta, epsilon) : batchNormComposite(x, gamma, beta, epsilon);
}

/**
 * Batch normalisation of x [..., C] (NHWC activations, or [N, C]) per channel with scale gamma [C] and shift beta [C].
 * Training: y = (x − mean) / sqrt(variance + ε) · gamma + beta with x's batch mean and biased variance over every axis
 * but the last, which are returned too; gradients flow to x, gamma and beta from y AND from the returned statistics
 * (DeepInversion differentiates a statistics-matching loss w.r.t. the input). Where the backend has the KtBatchNorm /
 * KtBatchNormGrad kernels one kernel forward (statistics and y) and one backward; elsewhere
 * {@link batchNormComposite}. Eval: y normalised with `runningMean` / `runningVariance` (tf.batchNorm), plus x's
 * batch statistics when `batchStats` is set. Keeping running statistics is the caller's.
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
  return tf.tidy(() => {
    const y = tf.batchNorm(x, runningMean as tf.Tensor1D, runningVariance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, epsilon);
    if (!options.batchStats) return { y, mean: undefined, variance: undefined };
    // The statistics through the same kernel (its y is unused: its gradient is zero).
    const [, mean, variance] = batchStatistics(x, gamma, beta, epsilon);
    return { y, mean, variance };
  });
}
