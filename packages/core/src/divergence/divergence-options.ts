import type * as tf from '@tensorflow/tfjs';

/**
 * How per-position values are combined into the returned tensor.
 * - `none`: the per-position tensor (shape = logits shape minus the last axis), masked positions 0;
 * - `sum`: sum over all (valid) positions;
 * - `mean`: sum / number of valid positions (0 when there is none);
 * - `batchmean`: sum / size of axis 0 (the batch), as PyTorch's `kl_div(reduction='batchmean')`.
 */
export type Reduction = 'none' | 'sum' | 'mean' | 'batchmean';

export const REDUCTIONS: readonly Reduction[] = ['none', 'sum', 'mean', 'batchmean'];

export interface DivergenceOptions {
  /** Softmax temperature τ > 0 (default 1): divergences are computed on logits/τ and multiplied by τ². */
  temperature?: number;
  /**
   * Shape = logits shape minus the last axis; 1 marks a valid position, 0 padding (any numeric dtype).
   * Padded positions add exactly 0 to the value and the gradient whatever their logits (all −∞ rows too).
   */
  mask?: tf.Tensor;
  /** Default `'mean'`. */
  reduction?: Reduction;
  /** Generalised JSD interpolation weight β ∈ [0, 1] (default 0.5). */
  beta?: number;
  /**
   * Skew KL mixing weight s ∈ [0, 1) (default 0.1): the weight of the first distribution in the mixture
   * (DistiLLM's α; named `skew` here so that `alpha` means only the task-loss weight of a transfer).
   */
  skew?: number;
}

/**
 * A token/class-level divergence D(p_teacher, p_learner) between the softmax distributions of the
 * teacher's and the learner's logits (last axis = vocabulary/classes). Pure: it disposes its
 * intermediates, returns one new tensor, and sends no gradient to the teacher's logits.
 */
export type TokenDivergence = (
  teacherLogits: tf.Tensor,
  learnerLogits: tf.Tensor,
  options?: DivergenceOptions,
) => tf.Tensor;
