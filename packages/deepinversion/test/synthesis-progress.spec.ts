import { configureProgress, resetProgress } from '@kt/core';
import { useCpuBackend } from '@kt/core/testing';
import { createResNet } from '@kt/vision';
import { SynthesisSchema, synthesizeSet } from '../src';

useCpuBackend();
afterEach(() => resetProgress());

describe('synthesis progress', () => {
  it('counts iterations over every batch in plain lines (not a terminal), with the loss; nothing when progress is off', () => {
    const teacher = createResNet({ inputShape: [4, 4, 1], widths: [2], blocksPerStage: 1, numClasses: 2, seed: 0 });
    const settings = SynthesisSchema.parse({ iterations: 3, batchSize: 2, lr: 0.05, jitter: 0, flip: false });
    const labels = Int32Array.from([0, 1, 0, 1, 0]); // 3 batches of at most 2
    try {
      configureProgress({ mode: 'lines', lineIntervalMs: 0 });
      const lines: string[] = [];
      synthesizeSet({ teacher, labels, shape: [4, 4, 1], settings, seed: 1, progress: { label: 'synthesis round 0', log: (l) => lines.push(l) } });
      const counts = lines.map((l) => /^synthesis round 0 (\d+)\/9 iterations loss -?\d+\.\d+ .*iterations\/s ETA /.exec(l)?.[1]);
      expect(counts).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
      configureProgress({ mode: 'off' });
      const quiet: string[] = [];
      synthesizeSet({ teacher, labels, shape: [4, 4, 1], settings, seed: 1, progress: { label: 'synthesis', log: (l) => quiet.push(l) } });
      expect(quiet).toEqual([]);
    } finally {
      teacher.dispose();
    }
  });
});
