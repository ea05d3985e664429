import { Rng } from '@kt/core';
import { makeLengthBatches, paddingFraction, MtDataError } from '../../src/data';

const random = Rng.fromSeed(7);
const lengths = Array.from({ length: 3000 }, () => 3 + random.int(40));

describe('makeLengthBatches', () => {
  const all = (batches: number[][]): number[] => batches.flat().sort((a, b) => a - b);

  it('puts every example in exactly one batch, respecting the batch size', () => {
    const batches = makeLengthBatches(lengths, { seed: 1, batchSize: 32 });
    expect(all(batches)).toEqual(lengths.map((_, i) => i));
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(32);
  });

  it('respects a padded token budget (an over-long example alone)', () => {
    const budget = 400;
    const ls = [...lengths, 900];
    const batches = makeLengthBatches(ls, { seed: 3, maxTokens: budget });
    expect(all(batches)).toEqual(ls.map((_, i) => i));
    for (const b of batches) {
      const longest = Math.max(...b.map((i) => ls[i]!));
      if (b.length > 1) expect(b.length * longest).toBeLessThanOrEqual(budget);
    }
    expect(batches.find((b) => b.includes(ls.length - 1))).toEqual([ls.length - 1]);
  });

  it('is deterministic for a seed and shuffles the batch order', () => {
    const a = makeLengthBatches(lengths, { seed: 5, batchSize: 16 });
    expect(makeLengthBatches(lengths, { seed: 5, batchSize: 16 })).toEqual(a);
    expect(makeLengthBatches(lengths, { seed: 6, batchSize: 16 })).not.toEqual(a);
    const firstLengths = a.slice(0, 20).map((b) => lengths[b[0]!]!);
    const sorted = [...firstLengths].sort((x, y) => x - y);
    expect(firstLengths).not.toEqual(sorted);
  });

  it('wastes far less padding than random batches', () => {
    const bucketed = makeLengthBatches(lengths, { seed: 1, batchSize: 32 });
    const order = Rng.fromSeed(1).permutation(lengths.length);
    const randomBatches: number[][] = [];
    for (let i = 0; i < order.length; i += 32) randomBatches.push(order.slice(i, i + 32));
    const padBucketed = paddingFraction(bucketed, [lengths]);
    const padRandom = paddingFraction(randomBatches, [lengths]);
    expect(padBucketed).toBeLessThan(0.05);
    expect(padRandom).toBeGreaterThan(0.3);
  });

  it('computes the padding fraction by hand and validates options', () => {
    // batch [2, 4] -> 8 cells, 6 real; batch [3] -> 3 cells, 3 real; second stream [1,1,1] -> 2+1 cells, 3 real
    expect(paddingFraction([[0, 1], [2]], [[2, 4, 3], [1, 1, 1]])).toBeCloseTo((14 - 12) / 14, 12);
    expect(() => makeLengthBatches(lengths, { seed: 1 })).toThrow(MtDataError);
    expect(() => makeLengthBatches(lengths, { seed: 1, batchSize: 0 })).toThrow(MtDataError);
  });
});
