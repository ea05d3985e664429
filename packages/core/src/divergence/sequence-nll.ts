import * as tf from '@tensorflow/tfjs';
import { REDUCTIONS, type Reduction } from './divergence-options';
import { checkUnitInterval, zeroMaskedLogits } from './make-token-divergence';
import { maskAsFloat, reducePositions } from './reduce-positions';
import { gatherLast } from './token-log-probs';
import { softmaxCrossEntropy } from '../ops/softmax-cross-entropy';

export interface SequenceNllOptions {
  /**
   * ε ∈ [0, 1] (default 0): the target distribution is (1−ε)·onehot(y) + ε·uniform, as PyTorch's
   * `cross_entropy(label_smoothing=ε)`; the per-token loss is −(1−ε)·log p(y) − ε·mean_v log p(v).
   */
  labelSmoothing?: number;
  /**
   * Default `'mean'` (per valid token). `'batchmean'` = Σ over tokens / B, i.e. the mean per-sequence
   * NLL −log p_θ(y), the quantity whose expectation under the teacher is the sequence-level forward KL
   * (up to the teacher's entropy). `'none'` returns the [B, T] per-token losses (padding 0).
   */
  reduction?: Reduction;
}

/**
 * Token negative log-likelihood of `targets` [B, T] (int32) under `learnerLogits` [B, T, V].
 *
 * Sequence-level forward KD (Kim & Rush 2016): KL(q‖p_θ) over whole sequences has gradient
 * −E_{y~q}[∇ log p_θ(y)] = E_{y~q}[∇ Σ_t −log p_θ(y_t | y_<t)], so minimising this NLL on sequences
 * produced by the teacher is forward sequence-level KD; on references it is ordinary supervised NLL.
 *
 * −∞ logits (masked vocabulary entries) are allowed: the target's log-probability is gathered by index,
 * and masked positions (e.g. all −∞ padding rows) are zeroed before the log-softmax, so they add exactly
 * 0 to the value and gradient. A −∞ logit in a valid position with labelSmoothing > 0 gives +∞, as
 * PyTorch's `cross_entropy(label_smoothing=ε)` (the smoothed target puts mass on that entry).
 */
export function sequenceNll(
  learnerLogits: tf.Tensor,
  targets: tf.Tensor,
  mask?: tf.Tensor,
  options: SequenceNllOptions = {},
): tf.Tensor {
  const labelSmoothing = options.labelSmoothing ?? 0;
  const reduction = options.reduction ?? 'mean';
  checkUnitInterval(labelSmoothing, 'sequenceNll: labelSmoothing');
  if (!REDUCTIONS.includes(reduction)) {
    throw new RangeError(`sequenceNll: unknown reduction '${String(reduction)}' (known: ${REDUCTIONS.join(', ')})`);
  }
  const positionShape = learnerLogits.shape.slice(0, -1);
  if (learnerLogits.rank < 2 || !tf.util.arraysEqual(targets.shape, positionShape)) {
    throw new RangeError(
      `sequenceNll: targets shape [${targets.shape.join(', ')}] must equal logits shape without its last axis ` +
        `[${positionShape.join(', ')}]`,
    );
  }
  if (targets.dtype !== 'int32') throw new TypeError(`sequenceNll: targets must be int32, got ${targets.dtype}`);
  if (mask !== undefined) maskAsFloat(mask, positionShape, 'sequenceNll');
  return tf.tidy(() => {
    const logits = zeroMaskedLogits(tf.cast(learnerLogits, 'float32'), mask);
    let perToken: tf.Tensor;
    if (labelSmoothing === 0) {
      perToken = tf.neg(gatherLast(tf.logSoftmax(logits), targets));
    } else {
      // −(1−ε)·log p(y) − ε·mean_v log p(v) is the cross-entropy against the smoothed target
      // (1−ε)·onehot(y) + ε/V: one fused kernel forward and one backward where the backend has them
      // (softmaxCrossEntropy), instead of a log-softmax, a gather and a mean over [.., V] and their gradients.
      // (With ε = 0 the gather stays: a one-hot target's 0 · −∞ would be NaN for a −∞ logit elsewhere.)
      const vocabulary = logits.shape[logits.rank - 1]!;
      const off = labelSmoothing / vocabulary;
      const labels = tf.reshape(tf.oneHot(tf.reshape(targets, [targets.size]), vocabulary, 1 - labelSmoothing + off, off, 'float32'), logits.shape);
      perToken = softmaxCrossEntropy(labels, logits);
    }
    return reducePositions(perToken, mask, reduction, 'sequenceNll');
  });
}
