import * as tf from '@tensorflow/tfjs';
import { applyMask, maskAsFloat } from './reduce-positions';
import { stopGradient } from './stop-gradient';

/**
 * Baseline b subtracted from the reward:
 * - `'none'`: b = 0;
 * - `'batch-mean'`: leave-one-out batch mean — for sequence i, the mean reward (or reward-to-go at the
 *   same position, when `perToken`) of the OTHER B−1 sequences. It does not depend on y_i, so the
 *   estimate stays unbiased (including sample i itself would scale the expected gradient by (B−1)/B).
 *   With B = 1 there is no other sequence and b = 0;
 * - a number: that constant.
 */
export type ReinforceBaseline = 'none' | 'batch-mean' | number;

export interface ReinforceBackwardKlInput {
  /** log p_θ(y_t | y_<t) of the sampled tokens, [B, T], differentiable w.r.t. the learner's parameters. */
  learnerLogProbs: tf.Tensor;
  /** log q(y_t | y_<t) of the same tokens under the teacher, [B, T]; treated as a constant. */
  teacherLogProbs: tf.Tensor;
  /** [B, T], 1 for valid tokens, 0 for padding. */
  mask: tf.Tensor;
  /** Credit each token with its reward-to-go instead of the whole-sequence reward (default false). */
  perToken?: boolean;
  /** Default `'batch-mean'` (leave-one-out, unbiased). */
  baseline?: ReinforceBaseline;
}

export interface ReinforceBackwardKlResult {
  /**
   * Value: the Monte-Carlo estimate of the sequence-level KL(p_θ‖q), −mean_i reward_i.
   * Gradient: the REINFORCE estimate of ∇_θ KL(p_θ‖q) (see {@link reinforceBackwardKl}).
   */
  loss: tf.Scalar;
  /** Per-sequence reward Σ_t mask·(log q − log p) = log q(y_i) − log p_θ(y_i), shape [B]; no gradient. */
  reward: tf.Tensor1D;
}

/**
 * On-policy (backward / reverse) KL between sequence distributions, for sequences y_1..y_B sampled
 * from the learner p_θ itself.
 *
 * Math. KL(p_θ‖q) = E_{y~p_θ}[log p_θ(y) − log q(y)]. Differentiating under the expectation
 * (∇p_θ = p_θ ∇log p_θ):
 *   ∇KL = E_{y~p_θ}[∇log p_θ(y) · (log p_θ(y) − log q(y))] + E_{y~p_θ}[∇log p_θ(y)],
 * and the last term is ∇Σ_y p_θ(y) = ∇1 = 0. With the reward R(y) = log q(y) − log p_θ(y):
 *   ∇KL = −E_{y~p_θ}[∇log p_θ(y) · (R(y) − b)]
 * for any baseline b independent of y (E[∇log p_θ(y)·b] = b·∇1 = 0). The estimate over B samples is the
 * gradient of the surrogate
 *   S(θ) = −(1/B) Σ_i stop(R(y_i) − b_i) · log p_θ(y_i),   log p_θ(y_i) = Σ_t m_it log p_θ(y_it | y_i,<t),
 * where the reward is held constant (stop-gradient) even though it contains log p_θ.
 *
 * perToken (reward-to-go). With log p_θ(y) = Σ_t log p_θ(y_t | y_<t) and R = Σ_s r_s,
 * r_s = log q(y_s | y_<s) − log p_θ(y_s | y_<s): the reward r_s of an earlier step s < t is fixed given
 * y_<t, while E[∇log p_θ(y_t | y_<t) | y_<t] = 0, so those cross terms vanish in expectation and
 *   ∇KL = −E[Σ_t ∇log p_θ(y_t | y_<t) · (G_t − b_t)],   G_t = Σ_{s≥t} m_s r_s  (reward-to-go),
 * an unbiased estimate with lower variance; b_t may depend on y_<t but not on y_t..y_T.
 *
 * The returned loss has the value of the KL estimate −mean_i R(y_i) and the gradient of S:
 *   loss = S − stop(S) + stop(−mean_i R(y_i))   (S − stop(S) is exactly 0 in value).
 * The samples must come from p_θ (on-policy) for the gradient to be unbiased.
 */
export function reinforceBackwardKl(input: ReinforceBackwardKlInput): ReinforceBackwardKlResult {
  const { learnerLogProbs, teacherLogProbs, mask } = input;
  const perToken = input.perToken ?? false;
  const baseline = input.baseline ?? 'batch-mean';
  if (learnerLogProbs.rank !== 2) {
    throw new RangeError(`reinforceBackwardKl: learnerLogProbs must be [B, T], got [${learnerLogProbs.shape.join(', ')}]`);
  }
  if (!tf.util.arraysEqual(teacherLogProbs.shape, learnerLogProbs.shape)) {
    throw new RangeError(
      `reinforceBackwardKl: teacherLogProbs [${teacherLogProbs.shape.join(', ')}] must equal learnerLogProbs ` +
        `[${learnerLogProbs.shape.join(', ')}]`,
    );
  }
  if (typeof baseline === 'number' && !Number.isFinite(baseline)) {
    throw new RangeError(`reinforceBackwardKl: a numeric baseline must be finite, got ${baseline}`);
  }
  if (typeof baseline === 'string' && baseline !== 'none' && baseline !== 'batch-mean') {
    throw new RangeError(`reinforceBackwardKl: unknown baseline '${String(baseline)}' (known: none, batch-mean, a number)`);
  }
  const batch = learnerLogProbs.shape[0];
  return tf.tidy(() => {
    const m = maskAsFloat(mask, learnerLogProbs.shape, 'reinforceBackwardKl');
    // Selected with `where`, not multiplied by the mask: padded positions may hold −∞ or NaN (the
    // log-probability of an all −∞ padding row), and 0·(−∞) would poison the value and the gradient.
    const logP = applyMask(tf.cast(learnerLogProbs, 'float32'), m);
    const logQ = applyMask(stopGradient(tf.cast(teacherLogProbs, 'float32')), m);
    // Per-token reward r_t = m_t (log q − log p), a constant for differentiation.
    const tokenReward = stopGradient(tf.sub(logQ, logP));
    const reward = tf.sum(tokenReward, 1) as tf.Tensor1D;

    // Credit per token ([B, T]): the whole-sequence reward or the reward-to-go G_t = Σ_{s≥t} r_s.
    const credit = perToken ? tf.cumsum(tokenReward, 1, false, true) : tf.reshape(reward, [batch, 1]);
    const advantage = tf.sub(credit, baselineFor(credit, baseline, batch));
    const weighted = perToken ? tf.mul(advantage, m) : advantage;
    const surrogate = tf.div(tf.neg(tf.sum(tf.mul(weighted, perToken ? logP : tf.sum(logP, 1, true)))), batch);
    const estimate = tf.neg(tf.mean(reward));
    const loss = tf.add(tf.sub(surrogate, stopGradient(surrogate)), estimate) as tf.Scalar;
    return { loss, reward };
  });
}

/** Baseline tensor broadcastable to `credit` ([B, 1] or [B, T]). */
function baselineFor(credit: tf.Tensor, baseline: ReinforceBaseline, batch: number): tf.Tensor {
  if (typeof baseline === 'number') return tf.scalar(baseline);
  if (baseline === 'none' || batch < 2) return tf.scalar(0);
  // Leave-one-out mean over the batch axis: (Σ_j c_j − c_i) / (B − 1).
  return tf.div(tf.sub(tf.sum(credit, 0, true), credit), batch - 1);
}
