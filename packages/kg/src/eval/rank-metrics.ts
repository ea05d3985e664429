/** Rank-based metrics of one evaluation (PyKEEN's names in comments). */
export interface RankingMetrics {
  /** Queries ranked (two per triple when both directions are evaluated). */
  count: number;
  /** Mean reciprocal (realistic) rank — PyKEEN `inverse_harmonic_mean_rank`. */
  mrr: number;
  /** Mean rank — `arithmetic_mean_rank`. */
  mr: number;
  hits1: number;
  hits3: number;
  hits10: number;
  /** Adjusted mean rank (Berrendorf et al. 2020): MR / E[MR] under random scores, E[rank] = (candidates + 1) / 2. */
  amr: number;
}

/**
 * The realistic rank of a true entity with `greater` candidates scored strictly higher and `equal`
 * other candidates scored the same: the mean of the optimistic rank (1 + greater) and the pessimistic
 * rank (1 + greater + equal), i.e. the expected rank under a random order of the ties.
 */
export function realisticRank(greater: number, equal: number): number {
  return 1 + greater + equal / 2;
}

/** Metrics of ranks, with the number of candidates each query was ranked among (for AMR). */
export function rankingMetrics(ranks: ArrayLike<number>, candidates: ArrayLike<number>): RankingMetrics {
  const n = ranks.length;
  if (n === 0) return { count: 0, mrr: 0, mr: 0, hits1: 0, hits3: 0, hits10: 0, amr: 0 };
  let rr = 0;
  let sum = 0;
  let expected = 0;
  let h1 = 0;
  let h3 = 0;
  let h10 = 0;
  for (let i = 0; i < n; i++) {
    const r = ranks[i]!;
    rr += 1 / r;
    sum += r;
    expected += (candidates[i]! + 1) / 2;
    if (r <= 1) h1++;
    if (r <= 3) h3++;
    if (r <= 10) h10++;
  }
  return { count: n, mrr: rr / n, mr: sum / n, hits1: h1 / n, hits3: h3 / n, hits10: h10 / n, amr: sum / expected };
}
