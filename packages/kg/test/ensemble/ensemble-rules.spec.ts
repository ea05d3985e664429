import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '@kt/core/testing';
import { ensembleScores, rankBoostWeights, topKVotes } from '../../src/ensemble';

useCpuBackend();

describe('ensemble rules', () => {
  it('top-k votes: ties at the k-th score all vote; an unavailable model abstains', () => {
    const scores = tf.tensor2d([[5, 1, 3, 3], [0, 2, 1, 4]]);
    expect(topKVotes(scores, 2, tf.tensor1d([1, 0])).arraySync()).toEqual([[1, 0, 1, 1], [0, 0, 0, 0]]);
  });

  it('weighted votes decide, the target model only breaks ties', () => {
    const votes = [tf.tensor2d([[1, 0, 1]]), tf.tensor2d([[0, 1, 1]]), tf.tensor2d([[0, 1, 0]])];
    const target = tf.tensor2d([[9, 0, 5]]);
    // majority: votes [1, 2, 2]; e2 beats e1 on the target's score; e0 last despite the target's best score
    const majority = ensembleScores(votes, [1, 1, 1], target).arraySync()[0]!;
    expect(majority[2]!).toBeGreaterThan(majority[1]!);
    expect(majority[1]!).toBeGreaterThan(majority[0]!);
    // weights [3, 1, 0.5]: votes [3, 1.5, 4]
    const weighted = ensembleScores(votes, [3, 1, 0.5], target).arraySync()[0]!;
    expect(weighted[2]!).toBeGreaterThan(weighted[0]!);
    expect(weighted[0]!).toBeGreaterThan(weighted[1]!);
  });

  it('RankBoost weighs the model that votes for the answers highest, and a contrarian model negatively', () => {
    // Model 0 votes for every answer; model 1 for none (it votes for one wrong candidate); model 2 at random.
    const queries = Array.from({ length: 20 }, (_, i) => ({ answer: [1, 0, i % 2], others: [[0, 1, (i + 1) % 2]], unvoted: 50 }));
    const w = rankBoostWeights(queries, 3, 10);
    expect(w[0]!).toBeGreaterThan(0);
    expect(w[0]!).toBeGreaterThan(w[2]!);
    expect(w[1]!).toBeLessThanOrEqual(0);
    // Hand-computed first round: r₀ = Σ D (h(x₁) − h(x₀)) = 1 over all pairs → clipped, the largest α.
    const one = rankBoostWeights([{ answer: [1, 0], others: [[0, 1]], unvoted: 2 }], 2, 1);
    // pairs: (x0 = [0,1]) mass 1/3, (x0 = [0,0]) mass 2/3: r₀ = 1 (clipped to 1 − 1e-6), r₁ = −1/3.
    expect(one[0]!).toBeCloseTo(0.5 * Math.log((2 - 1e-6) / 1e-6), 6);
    expect(one[1]).toBe(0);
    expect(rankBoostWeights([], 3, 5)).toEqual([1, 1, 1]);
    // A model that finds half the answers and always votes for one wrong candidate is better than
    // chance among all candidates: its weight is positive (only voted-for pairs would make it negative).
    const half = Array.from({ length: 10 }, (_, i) => ({ answer: [i % 2], others: [[1]], unvoted: 50 }));
    expect(rankBoostWeights(half, 1, 1)[0]!).toBeGreaterThan(0);
  });
});
