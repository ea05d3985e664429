import * as tf from '@tensorflow/tfjs';
import {
  beamSearch,
  greedyDecode,
  sampleDecode,
  sampleFromLogits,
  samplingWeights,
  drawFromWeights,
  scoreSequences,
  Transformer,
} from '../../src/models';
import { decodeDrawingEveryRow, int2d, uniformSource, randomIds, tinyConfig, useCpu } from './helpers';

beforeAll(useCpu);

/** Random small models emit EOS often enough with a tiny vocabulary. */
const smallVocab = { ...tinyConfig, vocabSize: 8, encoderLayers: 1, decoderLayers: 2 };

function randomSrc(seed: number, b: number, s: number, vocab: number): number[][] {
  const rows = randomIds(uniformSource(seed), b, s, vocab);
  rows[0] = [...rows[0].slice(0, Math.max(1, s - 2)), 0, 0].slice(0, s); // one padded source
  return rows;
}

describe('greedyDecode', () => {
  it('incremental and full-prefix-recompute decoding give the same tokens', () => {
    const model = new Transformer(tinyConfig, 21);
    const src = int2d(randomSrc(1, 4, 6, 17));
    const a = greedyDecode(model, src, { maxLen: 10 });
    const b = greedyDecode(model, src, { maxLen: 10, incremental: false });
    expect(a).toEqual(b);
    expect(a.tokens).toHaveLength(4);
    for (const [i, t] of a.tokens.entries()) {
      expect(t.length).toBeLessThanOrEqual(10);
      expect(t).not.toContain(model.config.eosId);
      if (!a.finished[i]) expect(t).toHaveLength(10);
      else expect(t.length).toBeLessThan(10);
    }
    src.dispose();
    model.dispose();
  });
});

describe('beamSearch', () => {
  it('beam = 1 equals greedy decoding', () => {
    for (const seed of [1, 2, 3]) {
      const model = new Transformer(smallVocab, seed);
      const src = int2d(randomSrc(seed, 5, 5, 8));
      const g = greedyDecode(model, src, { maxLen: 8 });
      const b = beamSearch(model, src, { beam: 1, maxLen: 8 });
      expect(b.tokens).toEqual(g.tokens);
      expect(b.finished).toEqual(g.finished);
      src.dispose();
      model.dispose();
    }
  });

  it('returns scores equal to the teacher-forced model score of its hypotheses', () => {
    const model = new Transformer(smallVocab, 5);
    const src = int2d(randomSrc(5, 4, 5, 8));
    const b = beamSearch(model, src, { beam: 3, maxLen: 8, lengthPenalty: 0.6 });
    const rescored = scoreSequences(model, src, b.tokens, b.finished);
    b.scores.forEach((s, i) => expect(s).toBeCloseTo(rescored[i], 3));
    b.normalizedScores.forEach((s, i) => {
      const len = b.tokens[i].length + (b.finished[i] ? 1 : 0);
      expect(s).toBeCloseTo(b.scores[i] / Math.pow((5 + len) / 6, 0.6), 5);
    });
    src.dispose();
    model.dispose();
  });

  it('finds hypotheses scoring at least as high as greedy on small random models', () => {
    let strictlyBetter = 0;
    for (const seed of [11, 12, 13, 14]) {
      const model = new Transformer(smallVocab, seed);
      const src = int2d(randomSrc(seed, 6, 5, 8));
      const g = greedyDecode(model, src, { maxLen: 8 });
      const gScores = scoreSequences(model, src, g.tokens, g.finished);
      const b = beamSearch(model, src, { beam: 4, maxLen: 8 });
      b.scores.forEach((s, i) => {
        expect(s).toBeGreaterThanOrEqual(gScores[i] - 1e-4);
        if (s > gScores[i] + 1e-4) strictlyBetter++;
      });
      src.dispose();
      model.dispose();
    }
    expect(strictlyBetter).toBeGreaterThan(0); // the search actually explores
  });
});

describe('sampling', () => {
  it('is deterministic for a seed and varies across seeds', () => {
    const model = new Transformer(smallVocab, 7);
    const src = int2d(randomSrc(7, 6, 5, 8));
    const a = sampleDecode(model, src, { maxLen: 8, rng: uniformSource(42) });
    const b = sampleDecode(model, src, { maxLen: 8, rng: uniformSource(42) });
    const c = sampleDecode(model, src, { maxLen: 8, rng: uniformSource(43), temperature: 1.5 });
    expect(a.tokens).toEqual(b.tokens);
    expect(a.sequences.arraySync()).toEqual(b.sequences.arraySync());
    expect(c.tokens).not.toEqual(a.tokens);
    // sequences: tokens, then EOS when finished, then pad.
    const rows = a.sequences.arraySync();
    a.tokens.forEach((t, i) => {
      const expected = [...t, ...(a.finished[i] ? [model.config.eosId] : [])];
      expect(rows[i].slice(0, expected.length)).toEqual(expected);
      expect(rows[i].slice(expected.length).every((x) => x === 0)).toBe(true);
    });
    tf.dispose([a.sequences, b.sequences, c.sequences, src]);
    model.dispose();
  });

  it('draws exactly what sampling every row at every step draws (finished rows take their draw, skip the softmax)', () => {
    // The loop before finished rows skipped their softmax: every row sampled at every step, finished or not.
    const everyRow = (model: Transformer, src: tf.Tensor2D, maxLen: number, rng: () => number, temperature: number, topK: number): number[][] =>
      decodeDrawingEveryRow(model, src, maxLen, (logits) => {
        const weights = topK === 0 ? samplingWeights(logits, temperature) : undefined;
        const data = (weights ?? logits).dataSync();
        weights?.dispose();
        const v = model.config.vocabSize;
        const row = (i: number) => data.subarray(i * v, (i + 1) * v);
        return Array.from({ length: logits.shape[0] }, (_, i) => (topK === 0 ? drawFromWeights(row(i), rng) : sampleFromLogits(row(i), rng, temperature, topK)));
      });
    const model = new Transformer(smallVocab, 12);
    const src = int2d(randomSrc(12, 10, 6, 8));
    let someFinishedEarly = false;
    for (const [seed, temperature, topK] of [[5, 1, 0], [7, 1.3, 4]] as const) {
      const s = sampleDecode(model, src, { maxLen: 12, temperature, topK, rng: uniformSource(seed) });
      expect(s.tokens).toEqual(everyRow(model, src, 12, uniformSource(seed), temperature, topK));
      const lengths = s.tokens.map((t, i) => t.length + (s.finished[i] ? 1 : 0));
      someFinishedEarly ||= Math.min(...lengths) < Math.max(...lengths);
      s.sequences.dispose();
    }
    expect(someFinishedEarly).toBe(true); // the case the shortcut is for happened
    src.dispose();
    model.dispose();
  });

  it('draws from the backend weights what sampleFromLogits draws from float64 ones (same rng), at the softmax frequencies', () => {
    const gen = uniformSource(21);
    for (const [v, temperature] of [[7, 1], [4000, 0.7], [400, 2]] as const) {
      const rows = 3;
      const values = Array.from({ length: rows * v }, () => 8 * gen() - 4);
      const logits = tf.tensor2d(values, [rows, v]);
      const w = samplingWeights(logits, temperature);
      const weights = w.dataSync();
      tf.dispose([logits, w]);
      for (let r = 0; r < rows; r++) {
        const row = values.slice(r * v, (r + 1) * v);
        const max = Math.max(...row);
        // float32 exp of float32 logits vs float64: relative 1e-5
        const worst = row.reduce((m, x, j) => Math.max(m, Math.abs(weights[r * v + j]! - Math.exp((x - max) / temperature)) / Math.exp((x - max) / temperature)), 0);
        expect(worst).toBeLessThan(1e-5);
        const a = uniformSource(100 + r);
        const b = uniformSource(100 + r);
        let same = 0;
        for (let i = 0; i < 500; i++) same += drawFromWeights(weights.subarray(r * v, (r + 1) * v), a) === sampleFromLogits(row, b, temperature) ? 1 : 0;
        expect(same).toBeGreaterThanOrEqual(498); // they differ only where a draw falls within float32 rounding of a boundary
      }
    }
    const logits = [0.1, 2.0, -1.0, 1.5, 1.9, 0.0, 1.4];
    const t = tf.tensor2d(logits, [1, logits.length]);
    const w = samplingWeights(t, 0.7);
    const weights = w.dataSync();
    tf.dispose([t, w]);
    const counts = new Array<number>(logits.length).fill(0);
    const rng = uniformSource(9);
    for (let i = 0; i < 20000; i++) counts[drawFromWeights(weights, rng)]++;
    const e = logits.map((x) => Math.exp(x / 0.7));
    const z = e.reduce((s, x) => s + x, 0);
    counts.forEach((c, i) => expect(Math.abs(c / 20000 - e[i]! / z)).toBeLessThan(0.015));
    const zeros = tf.zeros([1, 3]) as tf.Tensor2D;
    expect(() => samplingWeights(zeros, 0)).toThrow(/temperature must be > 0/);
    zeros.dispose();
  });

  it('top-k = 1 reduces to greedy decoding', () => {
    const model = new Transformer(tinyConfig, 8);
    const src = int2d(randomSrc(8, 4, 5, 17));
    const s = sampleDecode(model, src, { maxLen: 8, topK: 1, rng: uniformSource(1) });
    expect(s.tokens).toEqual(greedyDecode(model, src, { maxLen: 8 }).tokens);
    tf.dispose([s.sequences, src]);
    model.dispose();
  });

  it('sampleFromLogits respects top-k and follows the tempered softmax', () => {
    const logits = [0.1, 2.0, -1.0, 1.5, 1.9, 0.0, 1.4];
    const rng = uniformSource(9);
    const counts = new Array<number>(logits.length).fill(0);
    const draws = 20000;
    for (let i = 0; i < draws; i++) counts[sampleFromLogits(logits, rng, 0.7, 3)]++;
    // top-3 = indices 1, 4, 3; nothing else is ever drawn.
    expect(counts[0] + counts[2] + counts[5] + counts[6]).toBe(0);
    const w = [1, 4, 3].map((i) => Math.exp(logits[i] / 0.7));
    const z = w.reduce((s, x) => s + x, 0);
    [1, 4, 3].forEach((idx, j) => expect(Math.abs(counts[idx] / draws - w[j] / z)).toBeLessThan(0.015));
    // full vocabulary at temperature 1
    const all = new Array<number>(logits.length).fill(0);
    for (let i = 0; i < draws; i++) all[sampleFromLogits(logits, rng)]++;
    const e = logits.map((x) => Math.exp(x));
    const ez = e.reduce((s, x) => s + x, 0);
    all.forEach((c, i) => expect(Math.abs(c / draws - e[i] / ez)).toBeLessThan(0.015));
  });

  it('sampleFromLogits without top-k draws exactly what the index/weight-array form draws (same rng, same index)', () => {
    // The form before the allocation-free path: candidate indices, weights, their sum, then the walk.
    const arrayForm = (logits: number[], rng: () => number, temperature: number): number => {
      const candidates = Array.from({ length: logits.length }, (_, i) => i);
      let max = -Infinity;
      for (const i of candidates) max = Math.max(max, logits[i]!);
      const weights = candidates.map((i) => Math.exp((logits[i]! - max) / temperature));
      const total = weights.reduce((a, b) => a + b, 0);
      let u = rng() * total;
      for (let j = 0; j < candidates.length; j++) {
        u -= weights[j]!;
        if (u < 0) return candidates[j]!;
      }
      return candidates[candidates.length - 1]!;
    };
    const gen = uniformSource(3);
    for (const [v, temperature] of [[7, 1], [400, 0.7], [50, 2]] as const) {
      const logits = Array.from({ length: v }, () => 6 * gen() - 3);
      const a = uniformSource(11);
      const b = uniformSource(11);
      for (let i = 0; i < 2000; i++) expect(sampleFromLogits(logits, a, temperature)).toBe(arrayForm(logits, b, temperature));
    }
  });
});

describe('memory', () => {
  it('decoding leaks no tensors', () => {
    const model = new Transformer(smallVocab, 3);
    const src = int2d(randomSrc(3, 3, 5, 8));
    const run = (): void => {
      greedyDecode(model, src, { maxLen: 6 });
      greedyDecode(model, src, { maxLen: 6, incremental: false });
      beamSearch(model, src, { beam: 3, maxLen: 6, lengthPenalty: 1 });
      sampleDecode(model, src, { maxLen: 6, topK: 3, rng: uniformSource(1) }).sequences.dispose();
      scoreSequences(model, src, [[3], [4, 5], []]);
    };
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
    src.dispose();
    model.dispose();
  });
});
