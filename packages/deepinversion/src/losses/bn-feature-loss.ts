import * as tf from '@tensorflow/tfjs';
import type { BatchNormStats } from '@kt/vision';

/**
 * DeepInversion's feature-distribution regulariser (Yin et al. 2020, eq. 4; `DeepInversionFeatureHook`):
 *   Σ_l w_l · (‖μ_l(x̂) − μ_l‖₂ + ‖σ²_l(x̂) − σ²_l‖₂)
 * over the BatchNorm layers l, with μ_l(x̂), σ²_l(x̂) the mean and biased variance of the layer's input over the
 * batch and positions, μ_l, σ²_l its running statistics, w_0 = `firstLayerWeight` and w_l = 1 otherwise.
 * Gradients flow to the batch statistics (so to the images), never to the running statistics.
 */
export function bnFeatureLoss(stats: readonly BatchNormStats[], firstLayerWeight = 1): tf.Scalar {
  if (stats.length === 0) throw new RangeError('bnFeatureLoss: no BatchNorm statistics (the model has no BatchNorm layer)');
  return tf.tidy(() => {
    const terms = stats.map((s, l) => {
      const meanGap = tf.norm(tf.sub(s.mean, s.runningMean));
      const varGap = tf.norm(tf.sub(s.variance, s.runningVariance));
      const term = tf.add(meanGap, varGap);
      return l === 0 ? tf.mul(term, firstLayerWeight) : term;
    });
    return tf.addN(terms) as tf.Scalar;
  });
}
