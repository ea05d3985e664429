/**
 * Plain float64 JavaScript reference implementations of the token divergences, written from the
 * definitions (not from the tfjs code) to test kt's tensors against.
 */
import type { DivergenceName, Reduction } from '../../src/divergence';

export interface ReferenceOptions {
  temperature?: number;
  mask?: number[];
  reduction?: Reduction;
  beta?: number;
  skew?: number;
}

export function logSoftmax64(row: readonly number[]): number[] {
  const max = Math.max(...row);
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  return row.map((x) => x - lse);
}

function kl64(logP: readonly number[], logQ: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < logP.length; i++) {
    const p = Math.exp(logP[i]);
    if (p > 0) s += p * (logP[i] - logQ[i]);
  }
  return s;
}

/** log(w·p + (1−w)·q) computed directly in probability space (fine in float64 for moderate logits). */
function logMix64(logP: readonly number[], logQ: readonly number[], w: number): number[] {
  return logP.map((lp, i) => Math.log(w * Math.exp(lp) + (1 - w) * Math.exp(logQ[i])));
}

/** Divergence of one row (one position) at temperature 1 on already-scaled logits. */
export function rowDivergence64(
  name: DivergenceName,
  teacherRow: readonly number[],
  learnerRow: readonly number[],
  options: { beta?: number; skew?: number } = {},
): number {
  const lt = logSoftmax64(teacherRow);
  const ll = logSoftmax64(learnerRow);
  switch (name) {
    case 'forward':
      return kl64(lt, ll);
    case 'backward':
      return kl64(ll, lt);
    case 'jsd': {
      const beta = options.beta ?? 0.5;
      if (beta === 0) return kl64(lt, ll);
      if (beta === 1) return kl64(ll, lt);
      const m = logMix64(lt, ll, beta);
      return beta * kl64(lt, m) + (1 - beta) * kl64(ll, m);
    }
    case 'tvd': {
      let s = 0;
      for (let i = 0; i < lt.length; i++) s += Math.abs(Math.exp(lt[i]) - Math.exp(ll[i]));
      return 0.5 * s;
    }
    case 'skew-forward': {
      const skew = options.skew ?? 0.1;
      return kl64(lt, logMix64(lt, ll, skew));
    }
    case 'skew-backward': {
      const skew = options.skew ?? 0.1;
      return kl64(ll, logMix64(ll, lt, skew));
    }
  }
}

/**
 * Full reference: flat logits with `shape` (last axis = classes). Returns the per-position array for
 * reduction 'none', else a one-element array with the reduced value.
 */
export function referenceDivergence(
  name: DivergenceName,
  teacher: readonly number[],
  learner: readonly number[],
  shape: readonly number[],
  options: ReferenceOptions = {},
): number[] {
  const tau = options.temperature ?? 1;
  const v = shape[shape.length - 1];
  const positions = teacher.length / v;
  const per: number[] = [];
  for (let p = 0; p < positions; p++) {
    const t = teacher.slice(p * v, (p + 1) * v).map((x) => x / tau);
    const l = learner.slice(p * v, (p + 1) * v).map((x) => x / tau);
    const w = options.mask ? options.mask[p] : 1;
    per.push(w === 0 ? 0 : w * tau * tau * rowDivergence64(name, t, l, options));
  }
  const reduction = options.reduction ?? 'mean';
  const sum = per.reduce((a, b) => a + b, 0);
  switch (reduction) {
    case 'none':
      return per;
    case 'sum':
      return [sum];
    case 'mean': {
      const count = options.mask ? options.mask.reduce((a, b) => a + b, 0) : positions;
      return [count === 0 ? 0 : sum / count];
    }
    case 'batchmean':
      return [sum / (shape.length > 1 ? shape[0] : 1)];
  }
}

/**
 * Central finite-difference gradient (float64) of Σ_k weights_k · referenceDivergence(...)_k w.r.t.
 * the learner logits.
 */
export function referenceGradient(
  name: DivergenceName,
  teacher: readonly number[],
  learner: readonly number[],
  shape: readonly number[],
  options: ReferenceOptions,
  weights: readonly number[] = [1],
  eps = 1e-6,
): number[] {
  const f = (x: number[]): number =>
    referenceDivergence(name, teacher, x, shape, options).reduce((acc, y, k) => acc + y * weights[k], 0);
  return learner.map((_, i) => {
    const plus = learner.slice();
    const minus = learner.slice();
    plus[i] += eps;
    minus[i] -= eps;
    return (f(plus) - f(minus)) / (2 * eps);
  });
}
