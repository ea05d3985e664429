import * as tf from '@tensorflow/tfjs';
import { sequenceNll } from '@kt/core';
import type { ClassifierModel } from '@kt/vision';
import type { SynthesisLossConfig } from '../config-schema';
import { bnFeatureLoss } from './bn-feature-loss';
import { competitionLoss } from './competition-loss';
import { l2Prior, totalVariationL1, totalVariationL2 } from './image-priors';

/** The value of every term of one synthesis step (unweighted), and the weighted total. */
export interface SynthesisTerms {
  ce: tf.Scalar;
  feature?: tf.Scalar;
  tvL1?: tf.Scalar;
  tvL2?: tf.Scalar;
  l2?: tf.Scalar;
  competition?: tf.Scalar;
  total: tf.Scalar;
}

/** Names of the terms, in the order messages list them. */
export const SYNTHESIS_TERM_NAMES = ['ce', 'feature', 'tvL1', 'tvL2', 'l2', 'competition'] as const;

/**
 * DeepInversion's loss on images `x` ([n, h, w, c], already jittered/flipped) for target classes `labels`:
 *   CE(T(x), y) + α_f·R_feature + α_tv1·TV_L1 + α_tv2·TV_L2 + α_l2·‖x‖₂ [+ α_c·(1 − JSD(T(x), S(x)))].
 * The teacher (and student) run in eval mode (BN normalises with running statistics); a term whose weight
 * is 0 is not computed. Every returned tensor is new; the caller disposes them.
 */
export function deepInversionLoss(
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
  teacher: ClassifierModel,
  weights: SynthesisLossConfig,
  student?: ClassifierModel,
): SynthesisTerms {
  const { logits, stats } = teacher.forwardWithStats(x, false);
  const terms: Omit<SynthesisTerms, 'total'> = { ce: sequenceNll(logits, labels) as tf.Scalar };
  if (weights.feature > 0) terms.feature = bnFeatureLoss(stats, weights.firstLayerWeight);
  tf.dispose(stats.flatMap((s) => [s.mean, s.variance]));
  if (weights.tvL1 > 0) terms.tvL1 = totalVariationL1(x);
  if (weights.tvL2 > 0) terms.tvL2 = totalVariationL2(x);
  if (weights.l2 > 0) terms.l2 = l2Prior(x);
  if (weights.competition > 0 && student) {
    const studentLogits = student.forward(x, false);
    terms.competition = competitionLoss(logits, studentLogits, weights.temperature);
    studentLogits.dispose();
  }
  logits.dispose();
  const total = tf.tidy(() => {
    const parts: tf.Scalar[] = [tf.mul(terms.ce, weights.ce)];
    if (terms.feature) parts.push(tf.mul(terms.feature, weights.feature));
    if (terms.tvL1) parts.push(tf.mul(terms.tvL1, weights.tvL1));
    if (terms.tvL2) parts.push(tf.mul(terms.tvL2, weights.tvL2));
    if (terms.l2) parts.push(tf.mul(terms.l2, weights.l2));
    if (terms.competition) parts.push(tf.mul(terms.competition, weights.competition));
    return tf.addN(parts) as tf.Scalar;
  });
  return { ...terms, total };
}
