import type * as tf from '@tensorflow/tfjs';

/** Names of the divergences a config may select (see `divergence/`). */
export type ObjectiveDivergence = string;

/**
 * What a transfer step minimises: α·taskLoss + (1 − α)·D(teacher, learner), with D a registered
 * divergence at temperature τ, and, for sequence tasks, a fraction λ of batches sampled on-policy
 * from the learner (GKD).
 */
export const TransferObjective = Symbol('TransferObjective');
export interface TransferObjective {
  readonly divergence: ObjectiveDivergence;
  readonly temperature: number;
  /** Weight of the task (ground-truth) loss; 1 − alpha weighs the divergence. */
  readonly alpha: number;
  /** Fraction of batches whose outputs the learner samples itself (on-policy). */
  readonly lambda: number;
  /** Token/class-level divergence between teacher and learner logits (teacher gets no gradient). */
  distill(teacherLogits: tf.Tensor, learnerLogits: tf.Tensor, mask?: tf.Tensor): tf.Scalar;
  /** α·task + (1 − α)·kd, either may be absent (then the other is returned unweighted by α). */
  combine(taskLoss: tf.Scalar | undefined, kdLoss: tf.Scalar | undefined): tf.Scalar;
  /** Draws whether this batch is on-policy, from a uniform number u in [0, 1). */
  isOnPolicy(u: number): boolean;
}
