import * as tf from '@tensorflow/tfjs';
import { conditionOf, stopGradient } from '../divergence/stop-gradient';
import { GradArg, hasKernel } from './has-kernel';
import { KT_KERNEL_NAMES } from './kernel-names';

/** Attributes of the KtTokenKl / KtTokenKlGrad kernels. */
export interface TokenKlAttrs {
  /** 1 / temperature. */
  invT: number;
  /** KtTokenKlGrad: the gradient with respect to p's logits (true) or q's (false). */
  wrtP?: boolean;
}

export interface TokenKlOptions {
  /** Softmax temperature T > 0 applied to both inputs (default 1). The result is not multiplied by T². */
  temperature?: number;
  /** Positions (the logits' shape minus the last axis): 0 = padding, whose value and gradient are exactly 0. */
  mask?: tf.Tensor;
  /** Which input is differentiated; the other one is held constant (no gradient flows to it). */
  wrt: 'p' | 'q';
}

/**
 * KL(p‖q) = Σ_v p_v (log p_v − log q_v) over the last axis, from log-probabilities, with the convention
 * 0·log(0/q) = 0 (also for q = 0): entries with log p = −∞ (a −∞ logit: vocabulary or top-k masking)
 * contribute exactly 0, and +∞ where p > 0 = q. The terms are selected with `where` on inputs that are
 * themselves replaced by 0 off the support ("double where"), so no 0·∞ is evaluated in the value or in
 * the gradient; the gradient is the one of the finite function (as PyTorch float64 with the same
 * convention, see test/fixtures/make-divergence-vectors.py).
 */
export function klFromLogProbs(logP: tf.Tensor, logQ: tf.Tensor): tf.Tensor {
  // Not `logP > −∞`: a NaN (an unmasked all −∞ row) must stay NaN, not count as p = 0.
  const support = conditionOf(logP, (x) => tf.notEqual(x, -Infinity));
  const zeros = tf.zerosLike(logP);
  const safeLogP = tf.where(support, logP, zeros);
  const safeLogQ = tf.where(support, logQ, zeros);
  return tf.sum(tf.where(support, tf.mul(tf.exp(safeLogP), tf.sub(safeLogP, safeLogQ)), zeros), -1);
}

/**
 * Replaces the logits of masked (padding) positions by 0, so that whatever they hold (an all −∞ row has
 * NaN log-probabilities) neither the value nor the gradient of valid positions can become NaN: the
 * gradient of `where` to a masked row is exactly 0. `mask` has the logits' shape minus the last axis.
 */
export function zeroMaskedLogits(logits: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
  if (mask === undefined) return logits;
  const valid = tf.expandDims(conditionOf(mask, (m) => tf.notEqual(m, 0)), -1);
  return tf.where(valid, logits, tf.zerosLike(logits));
}

/**
 * Checks the inputs of a per-position op on two logit tensors (tokenKl, tokenJsd): a finite temperature > 0 (default
 * 1), the same shape of rank ≥ 1, a mask of that shape minus the last axis. Returns the temperature; errors name `op`
 * and the two inputs (`names`).
 */
export function checkLogitPair(op: string, names: [string, string], a: tf.Tensor, b: tf.Tensor, options: { temperature?: number; mask?: tf.Tensor }): number {
  const temperature = options.temperature ?? 1;
  if (!Number.isFinite(temperature) || temperature <= 0) throw new RangeError(`${op}: temperature must be a finite number > 0, got ${temperature}`);
  if (a.rank < 1 || !tf.util.arraysEqual(a.shape, b.shape)) {
    throw new RangeError(`${op}: ${names[0]} [${a.shape.join(', ')}] and ${names[1]} [${b.shape.join(', ')}] must have the same shape of rank >= 1`);
  }
  if (options.mask !== undefined && !tf.util.arraysEqual(options.mask.shape, a.shape.slice(0, -1))) {
    throw new RangeError(`${op}: mask [${options.mask.shape.join(', ')}] must be [${a.shape.slice(0, -1).join(', ')}]`);
  }
  return temperature;
}

const checked = (p: tf.Tensor, q: tf.Tensor, options: TokenKlOptions): number => checkLogitPair('tokenKl', ['p', 'q'], p, q, options);

/** {@link tokenKl} in plain tfjs ops (log-softmax of both, then {@link klFromLogProbs}). */
export function tokenKlComposite(pLogits: tf.Tensor, qLogits: tf.Tensor, options: TokenKlOptions): tf.Tensor {
  const temperature = checked(pLogits, qLogits, options);
  return tf.tidy(() => {
    const hold = (x: tf.Tensor, differentiated: boolean): tf.Tensor => {
      const zeroed = zeroMaskedLogits(tf.cast(x, 'float32'), options.mask);
      return differentiated ? zeroed : stopGradient(zeroed);
    };
    const p = hold(pLogits, options.wrt === 'p');
    const q = hold(qLogits, options.wrt === 'q');
    const logP = tf.logSoftmax(temperature === 1 ? p : tf.div(p, temperature));
    const logQ = tf.logSoftmax(temperature === 1 ? q : tf.div(q, temperature));
    return klFromLogProbs(logP, logQ);
  });
}

/** The kernels forward (saving log p, log q and the KL) and backward, for one differentiated input. */
function fused(other: tf.Tensor, wrtP: boolean, invT: number, mask: tf.Tensor | undefined): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: GradArg[]) => {
    const x = args[0] as tf.Tensor;
    const inputs: Record<string, tf.Tensor> = wrtP ? { p: x, q: other } : { p: other, q: x };
    if (mask !== undefined) inputs['mask'] = mask;
    const [kl, logP, logQ] = tf.engine().runKernel(KT_KERNEL_NAMES.tokenKl, inputs, { invT }) as tf.Tensor[];
    (args[1] as tf.GradSaveFunc)([logP!, logQ!, kl!]);
    return {
      value: kl!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
        const gradInputs: Record<string, tf.Tensor> = { logP: saved[0]!, logQ: saved[1]!, kl: saved[2]!, dy };
        if (mask !== undefined) gradInputs['mask'] = mask;
        return tf.engine().runKernel(KT_KERNEL_NAMES.tokenKlGrad, gradInputs, { invT, wrtP }) as tf.Tensor;
      },
    };
  }) as unknown as (x: tf.Tensor) => tf.Tensor;
}

/**
 * Per-position KL(softmax(p/T) ‖ softmax(q/T)) over the last axis of two logit tensors of the same shape,
 * differentiated with respect to one of them (`wrt`), with the conventions of {@link klFromLogProbs} (−∞ logits
 * allowed; an unmasked all −∞ row is NaN) and masked positions exactly 0 in value and gradient. The hot path of
 * word-level distillation (forward KL: p = teacher, wrt q; backward KL: p = learner, wrt p): where the backend has
 * the KtTokenKl / KtTokenKlGrad kernels, one pass over the [..., V] logits forward and one backward instead of
 * ~20 vocabulary-sized tfjs ops; elsewhere {@link tokenKlComposite}.
 */
export function tokenKl(pLogits: tf.Tensor, qLogits: tf.Tensor, options: TokenKlOptions): tf.Tensor {
  const temperature = checked(pLogits, qLogits, options);
  if (pLogits.dtype !== 'float32' || qLogits.dtype !== 'float32' || !hasKernel(KT_KERNEL_NAMES.tokenKl)) {
    return tokenKlComposite(pLogits, qLogits, options);
  }
  return tf.tidy(() => {
    const mask = options.mask === undefined ? undefined : options.mask.dtype === 'float32' ? options.mask : tf.cast(options.mask, 'float32');
    const wrtP = options.wrt === 'p';
    const x = wrtP ? pLogits : qLogits;
    return fused(wrtP ? qLogits : pLogits, wrtP, Math.fround(1 / temperature), mask)(x);
  });
}
