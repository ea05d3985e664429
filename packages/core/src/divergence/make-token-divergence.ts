import * as tf from '@tensorflow/tfjs';
import type { DivergenceOptions, Reduction, TokenDivergence } from './divergence-options';
import { maskAsFloat, reducePositions } from './reduce-positions';
import { klFromLogProbs, tokenKl, zeroMaskedLogits } from '../ops/token-kl';
import { conditionOf, stopGradient, teacherGradientsFlow } from './stop-gradient';

export { klFromLogProbs, zeroMaskedLogits };

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

/**
 * Checks that `value` is a finite number in [0, 1) — for a mixing weight whose end point 1 would make the
 * divergence a constant that does not depend on the learner.
 */
export function checkHalfOpenUnitInterval(value: number, what: string, why: string): void {
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new RangeError(`${what} must be a number in [0, 1), got ${value}${value === 1 ? ` (${why})` : ''}`);
  }
}

/**
 * log(w·p + (1−w)·q) elementwise from a = log p and b = log q, stable for any a, b in [−∞, ∞):
 *   m = max(a, b) (held constant for differentiation: the total derivative w.r.t. m is 0),
 *   log M = m + log1p(w·expm1(a − m) + (1−w)·expm1(b − m)).
 * Both a − m and b − m are ≤ 0, so nothing overflows; the log1p argument lies in (−1, 0]. When a = b
 * the argument is exactly 0, so log M = log p exactly and a divergence of equal distributions is exactly
 * 0. The gradient is the exact pair (w·p, (1−w)·q) / M, also at ties. a = −∞ gives log(1−w) + b and
 * b = −∞ gives log(w) + a (expm1(−∞) = −1). Both −∞ give −∞, computed on zeros so that neither the
 * value (−∞ − −∞) nor the gradient (0·∞ in log1p at −1) is NaN; the gradient there is 0.
 * w = 1 and w = 0 return log p and log q themselves (no log 0).
 */
export function logMixture(logP: tf.Tensor, logQ: tf.Tensor, w: number): tf.Tensor {
  if (w === 1) return logP;
  if (w === 0) return logQ;
  const max = tf.maximum(logP, logQ);
  const empty = conditionOf(max, (x) => tf.equal(x, -Infinity));
  const zeros = tf.zerosLike(max);
  const a = tf.where(empty, zeros, logP);
  const b = tf.where(empty, zeros, logQ);
  const m = stopGradient(tf.where(empty, zeros, max));
  const inner = tf.add(tf.mul(tf.expm1(tf.sub(a, m)), w), tf.mul(tf.expm1(tf.sub(b, m)), 1 - w));
  return tf.where(empty, tf.fill(max.shape, -Infinity), tf.add(m, tf.log1p(inner)));
}

/**
 * Wraps a per-position kernel into a {@link TokenDivergence}: validates shapes and options, zeroes the
 * logits of masked positions (see {@link zeroMaskedLogits}), stops the teacher's gradient, scales logits
 * by 1/τ, applies log-softmax, multiplies by τ², masks and reduces. Logits may be −∞ (p = 0) except for
 * a whole unmasked row (no distribution: NaN). `kl` names a plain KL (`perPosition` is then its composite
 * form, used when the teacher's gradient flows): it runs as core's {@link tokenKl} op instead.
 */
export function makeTokenDivergence(name: string, perPosition: PerPositionDivergence, kl?: 'forward' | 'backward'): TokenDivergence {
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
      if (options.mask !== undefined) maskAsFloat(options.mask, learnerLogits.shape.slice(0, -1), name);
      if (kl !== undefined && !teacherGradientsFlow()) {
        // The hot path: core's tokenKl op (one fused kernel where the backend has it), teacher held constant.
        const raw =
          kl === 'forward'
            ? tokenKl(teacherLogits, learnerLogits, { temperature, mask: options.mask, wrt: 'q' })
            : tokenKl(learnerLogits, teacherLogits, { temperature, mask: options.mask, wrt: 'p' });
        return reducePositions(temperature === 1 ? raw : tf.mul(raw, temperature * temperature), options.mask, reduction, name);
      }
      const teacherIn = zeroMaskedLogits(tf.cast(teacherLogits, 'float32'), options.mask);
      // Stopped, except inside MetaDistil's meta step (withTeacherGradients), which differentiates it.
      const teacher = teacherGradientsFlow() ? teacherIn : stopGradient(teacherIn);
      const learner = zeroMaskedLogits(tf.cast(learnerLogits, 'float32'), options.mask);
      const logPt = tf.logSoftmax(temperature === 1 ? teacher : tf.div(teacher, temperature));
      const logPl = tf.logSoftmax(temperature === 1 ? learner : tf.div(learner, temperature));
      const raw = perPosition(logPt, logPl, options);
      const scaled = temperature === 1 ? raw : tf.mul(raw, temperature * temperature);
      return reducePositions(scaled, options.mask, reduction, name);
    });
  };
  return divergence;
}
