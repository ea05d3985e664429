import * as tf from '@tensorflow/tfjs';

/** The ensemble rules of KEnS (Chen et al. 2020, §3.3): majority vote, MRR-weighted vote, RankBoost weights. */
export const ENSEMBLE_RULES = ['majority', 'mrr-weighted', 'boost'] as const;
export type EnsembleRule = (typeof ENSEMBLE_RULES)[number];

/**
 * Votes [B, N] of one model: 1 where a candidate scores among the model's top k (its k-th best score
 * or higher; a tie at the k-th place votes for every tied candidate), times the row's availability
 * (0 where the model has no counterpart of the query's anchor and abstains). With `candidates` [N]
 * (1 = the model can name that target entity: KEnS's per-language models see only the target entities
 * linked to their own KG), the top k is taken among those, and the others get no vote.
 */
export function topKVotes(scores: tf.Tensor2D, k: number, available: tf.Tensor1D, candidates?: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const visible = candidates ? tf.where(tf.cast(tf.expandDims(candidates, 0), 'bool'), scores, tf.fill(scores.shape, Number.NEGATIVE_INFINITY)) : scores;
    const kk = Math.min(k, scores.shape[1]);
    const kth = tf.slice(tf.topk(visible, kk).values, [0, kk - 1], [-1, 1]);
    let votes = tf.cast(tf.greaterEqual(visible, kth), 'float32');
    if (candidates) votes = tf.mul(votes, tf.expandDims(candidates, 0));
    return tf.mul(votes, tf.expandDims(available, 1)) as tf.Tensor2D;
  });
}

/**
 * The ensemble's scores: Σ_m w_m · votes_m, plus a tie-break below the smallest weight step — the
 * target model's scores rescaled per row to [0, δ] with δ = ½·min positive weight — so candidates with
 * equal votes are ordered by the target model (and votes always dominate).
 */
export function ensembleScores(votes: readonly tf.Tensor2D[], weights: readonly number[], targetScores: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const positive = weights.filter((w) => w > 0);
    const delta = positive.length > 0 ? 0.5 * Math.min(...positive) : 1;
    const min = tf.min(targetScores, 1, true);
    const span = tf.maximum(tf.sub(tf.max(targetScores, 1, true), min), 1e-12);
    let total = tf.mul(tf.div(tf.sub(targetScores, min), span), delta) as tf.Tensor2D;
    votes.forEach((v, m) => {
      if (weights[m]! !== 0) total = tf.add(total, tf.mul(v, weights[m]!));
    });
    return total;
  });
}

/** One validation query for RankBoost: each model's vote for the true answer and for the other candidates. */
export interface BoostQuery {
  /** votes[m] of the answer (0 or 1). */
  answer: number[];
  /** For each other candidate in the union of the top-k sets: votes[m] of it. */
  others: number[][];
  /** How many other candidates no model votes for (their vote vectors are all 0). */
  unvoted: number;
}

/**
 * RankBoost (Freund et al. 2003) with the models' top-k indicators as weak rankers, as KEnS learns its
 * ensemble weights: critical pairs (other candidate x₀, answer x₁) of every validation query start with
 * uniform weight D; each round picks the model with the largest |r| = |Σ D·(h(x₁) − h(x₀))|, gives it
 * α = ½ ln((1 + r) / (1 − r)) and reweights D ← D·exp(α(h(x₀) − h(x₁))) / Z. Every other candidate forms a
 * pair, including those no model votes for (one pair per query with their multiplicity, as their vote
 * vectors are equal) — without them every model would look worse than chance, since a voted-for
 * candidate always has a vote. A model's weight is the sum of its α (KEnS learns them per entity; here
 * one weight per model, over all validation queries).
 */
export function rankBoostWeights(queries: readonly BoostQuery[], models: number, rounds: number): number[] {
  const pairs: Array<{ x1: number[]; x0: number[]; count: number }> = [];
  const zero = new Array<number>(models).fill(0);
  for (const q of queries) {
    for (const o of q.others) pairs.push({ x1: q.answer, x0: o, count: 1 });
    if (q.unvoted > 0) pairs.push({ x1: q.answer, x0: zero, count: q.unvoted });
  }
  const weights = new Array<number>(models).fill(0);
  const total = pairs.reduce((s, p) => s + p.count, 0);
  if (total === 0) return weights.fill(1);
  // d[i] is the mass of all `count` pairs of entry i.
  let d = Float64Array.from(pairs, (p) => p.count / total);
  for (let round = 0; round < rounds; round++) {
    let best = -1;
    let bestR = 0;
    for (let m = 0; m < models; m++) {
      let r = 0;
      pairs.forEach((p, i) => (r += d[i]! * (p.x1[m]! - p.x0[m]!)));
      if (Math.abs(r) > Math.abs(bestR) + 1e-15) {
        best = m;
        bestR = r;
      }
    }
    if (best < 0) break;
    const r = Math.max(-1 + 1e-6, Math.min(1 - 1e-6, bestR));
    const alpha = 0.5 * Math.log((1 + r) / (1 - r));
    weights[best]! += alpha;
    const next = pairs.map((p, i) => d[i]! * Math.exp(alpha * (p.x0[best]! - p.x1[best]!)));
    const z = next.reduce((a, b) => a + b, 0);
    d = Float64Array.from(next, (x) => x / z);
  }
  return weights;
}
