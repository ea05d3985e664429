import * as tf from '@tensorflow/tfjs';
import type { DivergenceOptions, Reduction, TokenDivergence } from './divergence-options';
import { reducePositions } from './reduce-positions';
import { stopGradient } from './stop-gradient';

/**
 * The per-position kernel of a divergence: receives log-softmax of the temperature-scaled teacher
 * and learner logits (shape [..., V]) and returns the divergence summed over the last axis ([...]).
 */
export type PerPositionDivergence = (
  teacherLogProbs: tf.Tensor,
  learnerLogProbs: tf.Tensor,
  options: DivergenceOptions,
) => tf.Tensor;

/** Checks that `value` is a finite number in [0, 1]. */
export function checkUnitInterval(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`${what} must be a number in [0, 1], got ${value}`);
  }
}

/** KL(p‖q) = Σ_v p_v (log p_v − log q_v) over the last axis, from log-probabilities. */
export function klFromLogProbs(logP: tf.Tensor, logQ: tf.Tensor): tf.Tensor {
  return tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), -1);
}

/**
 * log(w·p + (1−w)·q) elementwise from a = log p and b = log q, stable for any finite a, b:
 *   m = max(a, b) (held constant for differentiation: the total derivative w.r.t. m is 0),
 *   log M = m + log1p(w·expm1(a − m) + (1−w)·expm1(b − m)).
 * Both a − m and b − m are ≤ 0, so nothing overflows; the log1p argument lies in (−1, 0]. When a = b
 * the argument is exactly 0, so log M = log p exactly and a divergence of equal distributions is exactly
 * 0. The gradient is the exact pair (w·p, (1−w)·q) / M, also at ties.
 * w = 1 and w = 0 return log p and log q themselves (no log 0).
 */
export function logMixture(logP: tf.Tensor, logQ: tf.Tensor, w: number): tf.Tensor {
  if (w === 1) return logP;
  if (w === 0) return logQ;
  const m = stopGradient(tf.maximum(logP, logQ));
  const inner = tf.add(tf.mul(tf.expm1(tf.sub(logP, m)), w), tf.mul(tf.expm1(tf.sub(logQ, m)), 1 - w));
  return tf.add(m, tf.log1p(inner));
}

/**
 * Wraps a per-position kernel into a {@link TokenDivergence}: validates shapes and options, stops the
 * teacher's gradient, scales logits by 1/τ, applies log-softmax, multiplies by τ², masks and reduces.
 */
export function makeTokenDivergence(name: string, perPosition: PerPositionDivergence): TokenDivergence {
  const divergence: TokenDivergence = (teacherLogits, learnerLogits, options = {}) => {
    const temperature = options.temperature ?? 1;
    const reduction: Reduction = options.reduction ?? 'mean';
    if (!Number.isFinite(temperature) || temperature <= 0) {
      throw new RangeError(`${name}: temperature must be a finite number > 0, got ${temperature}`);
    }
    if (learnerLogits.rank < 1) {
      throw new RangeError(`${name}: logits must have rank >= 1 (last axis = classes)`);
    }
    if (!tf.util.arraysEqual(teacherLogits.shape, learnerLogits.shape)) {
      throw new RangeError(
        `${name}: teacher logits [${teacherLogits.shape.join(', ')}] and learner logits ` +
          `[${learnerLogits.shape.join(', ')}] must have the same shape`,
      );
    }
    return tf.tidy(() => {
      const teacher = stopGradient(tf.cast(teacherLogits, 'float32'));
      const learner = tf.cast(learnerLogits, 'float32');
      const logPt = tf.logSoftmax(temperature === 1 ? teacher : tf.div(teacher, temperature));
      const logPl = tf.logSoftmax(temperature === 1 ? learner : tf.div(learner, temperature));
      const raw = perPosition(logPt, logPl, options);
      const scaled = temperature === 1 ? raw : tf.mul(raw, temperature * temperature);
      return reducePositions(scaled, options.mask, reduction, name);
    });
  };
  return divergence;
}
