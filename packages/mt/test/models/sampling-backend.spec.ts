import * as tf from '@tensorflow/tfjs';
import { useBackend } from '@kt/core/testing';
import { sampleDecode, sampleFromLogits, samplingWeights, Transformer } from '../../src/models';
import { decodeDrawingEveryRow, int2d, randomIds, tinyConfig, uniformSource } from './helpers';

// On kt's training backend (wasm, with @kt/native's Max/Sub/RealDiv/Exp where the addon loads) the sampling weights
// are float32 and vectorised: they must stay the tempered softmax's weights, and sampleDecode must draw what the
// float64 JavaScript draw of sampleFromLogits draws.
useBackend('wasm');

describe('sampling on the training backend', () => {
  it('samplingWeights are exp((x − max) / T) to 1e-5 relative, over a 4,000-token vocabulary', () => {
    const gen = uniformSource(5);
    const values = Array.from({ length: 8 * 4000 }, () => 30 * gen() - 15);
    const logits = tf.tensor2d(values, [8, 4000]);
    for (const temperature of [1, 0.5, 3]) {
      const w = samplingWeights(logits, temperature);
      const weights = w.dataSync();
      w.dispose();
      let worst = 0;
      for (let r = 0; r < 8; r++) {
        const row = Float32Array.from(values.slice(r * 4000, (r + 1) * 4000));
        const max = row.reduce((m, x) => Math.max(m, x), -Infinity);
        row.forEach((x, j) => {
          const exact = Math.exp((x - max) / temperature);
          if (exact > 1e-30) worst = Math.max(worst, Math.abs(weights[r * 4000 + j]! - exact) / exact);
        });
      }
      expect(worst).toBeLessThan(1e-5);
    }
    logits.dispose();
  });

  it('sampleDecode draws the tokens the float64 draw of every row picks (same rng)', () => {
    const model = new Transformer({ ...tinyConfig, vocabSize: 300 }, 4);
    const src = int2d(randomIds(uniformSource(4), 6, 7, 300));
    const reference = (rng: () => number): number[][] =>
      decodeDrawingEveryRow(model, src, 10, (logits) => {
        const data = logits.dataSync();
        return Array.from({ length: 6 }, (_, i) => sampleFromLogits(data.subarray(i * 300, (i + 1) * 300), rng, 1.2));
      });
    for (const seed of [1, 2, 3]) {
      const s = sampleDecode(model, src, { maxLen: 10, temperature: 1.2, rng: uniformSource(seed) });
      expect(s.tokens).toEqual(reference(uniformSource(seed)));
      s.sequences.dispose();
    }
    src.dispose();
    model.dispose();
  });
});
