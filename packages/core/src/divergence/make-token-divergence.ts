import * as tf from '@tensorflow/tfjs';
import type { DivergenceOptions, Reduction, TokenDivergence } from './divergence-options';
import { maskAsFloat, reducePositions } from './reduce-positions';
import { klFromLogProbs, tokenKl, zeroMaskedLogits } from '../ops/token-kl';
import { logMixture } from './log-mixture';
import { stopGradient, teacherGradientsFlow } from './stop-gradient';

export { klFromLogProbs, logMixture, zeroMaskedLogits };

/**
 * A divergence's per-position value straight from the logits, teacher held constant (not multiplied by τ²): the
 * hot path through one of core's fused ops (tokenKl, tokenJsd). Undefined where it does not apply (e.g. β at an end point).
 */
export type FusedPerPosition = (teacherLogits: tf.Tensor, learnerLogits: tf.Tensor, options: DivergenceOptions & { temperature: number }) => tf.Tensor | undefined;

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
 * Wraps a per-position kernel into a {@link TokenDivergence}: validates shapes and options, zeroes the
 * logits of masked positions (see {@link zeroMaskedLogits}), stops the teacher's gradient, scales logits
 * by 1/τ, applies log-softmax, multiplies by τ², masks and reduces. Logits may be −∞ (p = 0) except for
 * a whole unmasked row (no distribution: NaN). `kl` names a plain KL (`perPosition` is then its composite
 * form, used when the teacher's gradient flows): it runs as core's {@link tokenKl} op instead; or it is a
 * {@link FusedPerPosition} that runs another fused op where it applies.
 */
export function makeTokenDivergence(name: string, perPosition: PerPositionDivergence, kl?: 'forward' | 'backward' | FusedPerPosition): TokenDivergence {
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
        // The hot path: core's tokenKl / tokenJsd op (one fused kernel where the backend has it), teacher held constant.
        const raw =
          kl === 'forward'
            ? tokenKl(teacherLogits, learnerLogits, { temperature, mask: options.mask, wrt: 'q' })
            : kl === 'backward'
              ? tokenKl(learnerLogits, teacherLogits, { temperature, mask: options.mask, wrt: 'p' })
              : kl(teacherLogits, learnerLogits, { ...options, temperature });
        if (raw !== undefined) return reducePositions(temperature === 1 ? raw : tf.mul(raw, temperature * temperature), options.mask, reduction, name);
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
