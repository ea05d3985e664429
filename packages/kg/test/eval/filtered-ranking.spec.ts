import * as tf from '@tensorflow/tfjs';
import { RunInterruptedError } from '@kt/core';
import { useCpuBackend } from '@kt/core/testing';
import { KnownAnswers, makeTriples } from '../../src/data';
import { evaluationReport, formatReport, rankFiltered, rankingMetrics, realisticRank, type QueryScorer } from '../../src/eval';

useCpuBackend();

/** A scorer from fixed score tables: tail[anchor][relation] and head[anchor][relation] are rows over 5 entities. */
function fixed(tail: Record<string, number[]>, head: Record<string, number[]>): QueryScorer {
  return (direction, anchor, relation) => {
    const a = anchor.arraySync();
    const r = relation.arraySync();
    const table = direction === 'tail' ? tail : head;
    return tf.tensor2d(a.map((x, i) => table[`${x},${r[i]}`]!));
  };
}

describe('filtered ranking', () => {
  it('realistic rank is the mean of optimistic and pessimistic ranks', () => {
    expect(realisticRank(2, 0)).toBe(3);
    expect(realisticRank(0, 3)).toBe(2.5); // 4 tied at the top: ranks 1..4, mean 2.5
  });

  it('hand-computed ranks with filtering and ties, both directions', async () => {
    // Entities 0..4, one relation. Test triple (0, 0, 1); train has (0, 0, 2) and (3, 0, 1).
    const train = makeTriples([[0, 0, 2], [3, 0, 1]]);
    const test = makeTriples([[0, 0, 1]]);
    const known = new KnownAnswers(train, test);
    // tail query (0, 0, ?): scores [e0..e4] = [5, 3, 9, 3, 3]: e2 (9) is a known answer → filtered;
    // e0 (5) is greater; e3, e4 tie with the answer (3) → realistic rank 1 + 1 + 2/2 = 3, 4 candidates.
    // head query (?, 0, 1), answer e0: scores [0.5, 1, 0.5, 8, 0.2]: e3 (8) known → filtered; e1 greater, e2 ties → 1 + 1 + 1/2 = 2.5.
    const scorer = fixed({ '0,0': [5, 3, 9, 3, 3] }, { '1,0': [0.5, 1, 0.5, 8, 0.2] });
    const ranked = await rankFiltered(scorer, test, 5, known);
    expect(Array.from(ranked.ranks)).toEqual([3, 2.5]);
    expect(Array.from(ranked.candidates)).toEqual([4, 4]);
    const m = rankingMetrics(ranked.ranks, ranked.candidates);
    expect(m.mrr).toBeCloseTo((1 / 3 + 1 / 2.5) / 2, 10);
    expect(m.mr).toBe(2.75);
    expect(m.hits1).toBe(0);
    expect(m.hits3).toBe(1);
    expect(m.amr).toBeCloseTo(2.75 / 2.5, 10);
    // unfiltered (only the test triple known): the tail rank counts e2 too → 4
    const raw = await rankFiltered(scorer, test, 5, new KnownAnswers(test), { directions: ['tail'] });
    expect(Array.from(raw.ranks)).toEqual([4]);
  });

  it('all entities tied gives the expected random rank (N + 1) / 2', async () => {
    const test = makeTriples([[0, 0, 1]]);
    const ranked = await rankFiltered(fixed({ '0,0': [0, 0, 0, 0, 0] }, { '1,0': [0, 0, 0, 0, 0] }), test, 5, new KnownAnswers(test));
    expect(Array.from(ranked.ranks)).toEqual([3, 3]);
    expect(rankingMetrics(ranked.ranks, ranked.candidates).amr).toBe(1);
  });

  it('batches give the same ranks as one batch, and the report breaks down by relation', async () => {
    const n = 5;
    const test = makeTriples([[0, 0, 1], [1, 1, 2], [2, 0, 3], [3, 1, 4], [4, 0, 0]]);
    const known = new KnownAnswers(test);
    const scorer: QueryScorer = (_d, anchor, relation) => tf.tidy(() => tf.sin(tf.add(tf.outerProduct(tf.cast(tf.add(anchor, tf.mul(relation, 7)), 'float32') as tf.Tensor1D, tf.range(1, n + 1)), 0.3)) as tf.Tensor2D);
    const one = await rankFiltered(scorer, test, n, known, { batchSize: 100 });
    const small = await rankFiltered(scorer, test, n, known, { batchSize: 2 });
    expect(Array.from(small.ranks)).toEqual(Array.from(one.ranks));
    const report = evaluationReport(one, ['p', 'q']);
    expect(Object.keys(report.perRelation)).toEqual(['p', 'q']);
    expect(report.perRelation['p']!.count).toBe(6);
    expect(report.both.count).toBe(10);
    expect(formatReport(report)).toMatch(/^queries .*MRR.*\nall\s+10 /);
  });

  it('stops between blocks when the run asks to (RunInterruptedError naming the queries done), yielding so a signal handler can run', async () => {
    const n = 5;
    const test = makeTriples([[0, 0, 1], [1, 1, 2], [2, 0, 3], [3, 1, 4], [4, 0, 0]]);
    const scorer: QueryScorer = (_d, anchor) => tf.tidy(() => tf.outerProduct(tf.cast(anchor, 'float32') as tf.Tensor1D, tf.range(1, n + 1)) as tf.Tensor2D);
    let stop = false;
    let blocks = 0;
    // The flag is set by a macrotask (as a SIGINT handler would be): seen only because rankFiltered yields.
    const counting: QueryScorer = (d, a, r) => {
      if (++blocks === 2) setImmediate(() => (stop = true));
      return scorer(d, a, r);
    };
    await expect(rankFiltered(counting, test, n, new KnownAnswers(test), { batchSize: 2, shouldStop: () => stop, progress: { label: 'eval test' } })).rejects.toThrow(new RunInterruptedError('eval test: stopped after 4 of 10 queries'));
    expect(blocks).toBe(2);
  });

  it('halves the block size after a block slower than maxBlockSeconds, down to 1/16 of batchSize; ranks do not change', async () => {
    const n = 5;
    const test = makeTriples([[0, 0, 1], [1, 1, 2], [2, 0, 3], [3, 1, 4], [4, 0, 0], [1, 0, 3], [2, 1, 0]]);
    const known = new KnownAnswers(test);
    const sizes: number[] = [];
    const scorer: QueryScorer = (_d, anchor, relation) => {
      sizes.push(anchor.shape[0]);
      return tf.tidy(() => tf.cos(tf.outerProduct(tf.cast(tf.add(anchor, tf.mul(relation, 3)), 'float32') as tf.Tensor1D, tf.range(1, n + 1))) as tf.Tensor2D);
    };
    const whole = await rankFiltered(scorer, test, n, known, { batchSize: 100 });
    sizes.length = 0;
    const adaptive = await rankFiltered(scorer, test, n, known, { batchSize: 4, shouldStop: () => false, maxBlockSeconds: -1 });
    // Every block is "too slow": the first 4 triples (tail, head) halve the size twice; the other 3 go one at a time.
    expect(sizes).toEqual([4, 4, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(adaptive.ranks)).toEqual(Array.from(whole.ranks));
    sizes.length = 0;
    await rankFiltered(scorer, test, n, known, { batchSize: 32, shouldStop: () => false, maxBlockSeconds: -1 });
    expect(sizes).toEqual([7, 7]); // 7 triples fit the first block: nothing left to halve for
    sizes.length = 0;
    const many = makeTriples(Array.from({ length: 44 }, (_, i) => [i % n, i % 2, (i * 3 + 1) % n] as [number, number, number]));
    await rankFiltered(scorer, many, n, new KnownAnswers(many), { batchSize: 32, shouldStop: () => false, maxBlockSeconds: -1 });
    // 44 triples: a block of 32 (tail, head: halved to 8), one of 8 (halved to 2 = 32/16, the floor), two of 2.
    expect(sizes).toEqual([32, 32, 8, 8, 2, 2, 2, 2]);
  });
});
