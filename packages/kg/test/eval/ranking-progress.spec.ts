import * as tf from '@tensorflow/tfjs';
import { configureProgress, createMemoryLogger, resetProgress } from '@kt/core';
import { useCpuBackend } from '@kt/core/testing';
import { KnownAnswers, makeTriples } from '../../src/data';
import { rankFiltered, type QueryScorer } from '../../src/eval';

useCpuBackend();
afterEach(() => resetProgress());

describe('filtered ranking progress', () => {
  const test = makeTriples([[0, 0, 1], [1, 0, 2], [2, 0, 3], [3, 0, 4], [4, 0, 0]]);
  const scorer: QueryScorer = (_d, anchor) => tf.tidy(() => tf.outerProduct(tf.cast(anchor, 'float32') as tf.Tensor1D, tf.range(1, 6)) as tf.Tensor2D);

  it('writes plain lines of queries ranked (both directions) per batch through the log when not on a terminal', async () => {
    configureProgress({ mode: 'lines', lineIntervalMs: 0 });
    const log = createMemoryLogger();
    await rankFiltered(scorer, test, 5, new KnownAnswers(test), { batchSize: 2, progress: { label: 'eval test', log } });
    expect(log.lines.map((l) => /^eval test (\d+)\/10 queries .* queries\/s ETA /.exec(l)?.[1])).toEqual(['4', '8', '10']);
  });

  it('progress off (--quiet) writes nothing, and ranks are the same with or without progress', async () => {
    configureProgress({ mode: 'off' });
    const log = createMemoryLogger();
    const shown = await rankFiltered(scorer, test, 5, new KnownAnswers(test), { batchSize: 2, progress: { label: 'eval test', log } });
    expect(log.lines).toEqual([]);
    expect(Array.from(shown.ranks)).toEqual(Array.from((await rankFiltered(scorer, test, 5, new KnownAnswers(test), { batchSize: 2 })).ranks));
  });
});
