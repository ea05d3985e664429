import * as tf from '@tensorflow/tfjs';
import { sequenceNll } from '@kt/core';
import {
  disposeDecoderCache,
  disposeEncoderState,
  makeSeq2SeqBatch,
  targetMask,
  teacherForcedLogits,
  Transformer,
  TransformerConfigSchema,
} from '../../src/models';
import { int2d, uniformSource, randomIds, tinyConfig, useCpu } from './helpers';

beforeAll(useCpu);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('TransformerConfigSchema', () => {
  it('applies defaults and validates', () => {
    const c = TransformerConfigSchema.parse({ vocabSize: 100, dModel: 32, heads: 4, ffDim: 64, encoderLayers: 1, decoderLayers: 1 });
    expect(c).toMatchObject({ dropout: 0.1, maxLen: 128, labelSmoothing: 0.1, activation: 'relu', padId: 0, bosId: 1, eosId: 2 });
    expect(TransformerConfigSchema.safeParse({ ...c, heads: 3 }).success).toBe(false);
    expect(TransformerConfigSchema.safeParse({ ...c, eosId: 1 }).success).toBe(false);
    expect(TransformerConfigSchema.safeParse({ ...c, bosId: 100 }).success).toBe(false);
  });
});

describe('Transformer', () => {
  let model: Transformer;
  beforeAll(() => {
    model = new Transformer(tinyConfig, 3);
  });
  afterAll(() => model.dispose());

  it('has the documented shapes and parameter count', () => {
    const { vocabSize: v, dModel: d, ffDim: f } = model.config;
    const ln = 2 * d;
    const selfAttn = d * 3 * d + 3 * d + d * d + d;
    const crossAttn = d * d + d + d * 2 * d + 2 * d + d * d + d;
    const ffn = d * f + f + f * d + d;
    const expected = v * d + v + 2 * (2 * ln + selfAttn + ffn) + ln + 2 * (3 * ln + selfAttn + crossAttn + ffn) + ln;
    expect(model.parameterCount()).toBe(expected);
    expect(model.trainableVariables()).toHaveLength(model.weightNames().length);
    expect(model.weightNames()).toContain('decoder.1.crossAttn.wkv');

    const rng = uniformSource(1);
    const src = int2d(randomIds(rng, 3, 5, v));
    const tgt = int2d(randomIds(rng, 3, 4, v));
    const logits = model.forward(src, tgt);
    expect(logits.shape).toEqual([3, 4, v]);
    expect(logits.dtype).toBe('float32');
    const enc = model.encode(src);
    expect(enc.memory.shape).toEqual([3, 5, d]);
    expect(enc.srcPadMask.shape).toEqual([3, 5]);
    disposeEncoderState(enc);
    tf.dispose([src, tgt, logits]);
  });

  it('masks the future: changing target token j leaves logits before j unchanged', () => {
    const rng = uniformSource(2);
    const rows = randomIds(rng, 2, 6, model.config.vocabSize);
    const src = int2d(randomIds(rng, 2, 5, model.config.vocabSize));
    const changed = rows.map((r) => r.map((x, j) => (j >= 3 ? 3 + ((x - 3 + 5) % 14) : x)));
    const a = model.forward(src, int2d(rows));
    const b = model.forward(src, int2d(changed));
    const early = (t: tf.Tensor3D): tf.Tensor => tf.slice(t, [0, 0, 0], [2, 3, -1]);
    const late = (t: tf.Tensor3D): tf.Tensor => tf.slice(t, [0, 3, 0], [2, 3, -1]);
    expect(maxAbsDiff(early(a), early(b))).toBeLessThan(1e-6);
    expect(maxAbsDiff(late(a), late(b))).toBeGreaterThan(1e-3);
    tf.dispose([src, a, b]);
  });

  it('masks source padding: right-padding a source does not change the outputs', () => {
    const rng = uniformSource(3);
    const src = randomIds(rng, 2, 4, model.config.vocabSize);
    const tgt = int2d(randomIds(rng, 2, 5, model.config.vocabSize));
    const a = model.forward(int2d(src), tgt);
    const b = model.forward(int2d(src.map((r) => [...r, 0, 0, 0])), tgt);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    // ...while changing a real source token does change them.
    const c = model.forward(int2d(src.map((r) => [r[0] === 5 ? 6 : 5, ...r.slice(1)])), tgt);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-4);
    tf.dispose([tgt, a, b, c]);
  });

  it('incremental decodeStep and decodePrefix reproduce the full forward logits at every step', () => {
    const rng = uniformSource(4);
    const v = model.config.vocabSize;
    const src = randomIds(rng, 3, 6, v);
    src[1] = [...src[1].slice(0, 3), 0, 0, 0]; // a padded source row
    const tgt = randomIds(rng, 3, 7, v).map((r) => [model.config.bosId, ...r]);
    const srcT = int2d(src);
    const full = model.forward(srcT, int2d(tgt));
    const enc = model.encode(srcT);
    let cache = model.initDecoderCache(enc);
    for (let t = 0; t < tgt[0].length; t++) {
      const tokens = tf.tensor1d(tgt.map((r) => r[t]), 'int32');
      const out = model.decodeStep(cache, tokens);
      cache = out.cache;
      const ref = tf.tidy(() => tf.reshape(tf.slice(full, [0, t, 0], [3, 1, v]), [3, v]));
      expect(maxAbsDiff(out.logits, ref)).toBeLessThan(1e-4);
      const prefixLogits = model.decodePrefix(enc, int2d(tgt.map((r) => r.slice(0, t + 1))));
      expect(maxAbsDiff(prefixLogits, ref)).toBeLessThan(1e-4);
      expect(cache.step).toBe(t + 1);
      expect(cache.selfKv[0]!.shape).toEqual([3, t + 1, 2 * 16]);
      tf.dispose([tokens, out.logits, ref, prefixLogits]);
    }
    disposeDecoderCache(cache);
    disposeEncoderState(enc);
    tf.dispose([srcT, full]);
  });

  it('same seed gives the same init; another seed does not', () => {
    const a = new Transformer(tinyConfig, 11);
    const b = new Transformer(tinyConfig, 11);
    const c = new Transformer(tinyConfig, 12);
    const wa = a.getWeights();
    const wb = b.getWeights();
    const wc = c.getWeights();
    for (const name of a.weightNames()) expect(maxAbsDiff(wa.get(name)!, wb.get(name)!)).toBe(0);
    expect(maxAbsDiff(wa.get('embedding')!, wc.get('embedding')!)).toBeGreaterThan(0.01);
    // Different variables get different values (per-name seeds).
    expect(maxAbsDiff(wa.get('encoder.0.selfAttn.wo')!, wa.get('encoder.1.selfAttn.wo')!)).toBeGreaterThan(0.01);
    for (const m of [wa, wb, wc]) tf.dispose([...m.values()]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('getWeights/setWeights round-trips and rejects mismatches', () => {
    const other = new Transformer(tinyConfig, 99);
    const rng = uniformSource(5);
    const src = int2d(randomIds(rng, 2, 4, 17));
    const tgt = int2d(randomIds(rng, 2, 3, 17));
    const before = other.forward(src, tgt);
    const w = model.getWeights();
    other.setWeights(w);
    const after = other.forward(src, tgt);
    const ref = model.forward(src, tgt);
    expect(maxAbsDiff(after, ref)).toBe(0);
    expect(maxAbsDiff(before, ref)).toBeGreaterThan(1e-3);
    // Snapshots are independent of later updates of the variables.
    model.trainableVariables()[0].assign(tf.zerosLike(model.trainableVariables()[0]));
    const zero = tf.zeros([17, 16]);
    expect(maxAbsDiff(w.get('embedding')!, zero)).toBeGreaterThan(0.01);
    zero.dispose();
    model.setWeights(w);

    const missing = new Map(w);
    missing.delete('output.bias');
    expect(() => other.setWeights(missing)).toThrow(/missing: output.bias/);
    const wrongShape = new Map(w);
    const bad = tf.zeros([3]);
    wrongShape.set('output.bias', bad);
    expect(() => other.setWeights(wrongShape)).toThrow(/output.bias has shape \[3\]/);
    tf.dispose([...w.values(), bad, src, tgt, before, after, ref]);
    other.dispose();
  });

  it('applies dropout only in training, deterministically for a seed', () => {
    const m = new Transformer({ ...tinyConfig, dropout: 0.3 }, 4);
    const rng = uniformSource(6);
    const src = int2d(randomIds(rng, 2, 4, 17));
    const tgt = int2d(randomIds(rng, 2, 3, 17));
    const e1 = m.forward(src, tgt, { training: false });
    const e2 = m.forward(src, tgt, { training: false });
    const t1 = m.forward(src, tgt, { training: true, dropoutSeed: 5 });
    const t2 = m.forward(src, tgt, { training: true, dropoutSeed: 5 });
    const t3 = m.forward(src, tgt, { training: true, dropoutSeed: 6 });
    expect(maxAbsDiff(e1, e2)).toBe(0);
    expect(maxAbsDiff(t1, t2)).toBe(0);
    expect(maxAbsDiff(t1, e1)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(t1, t3)).toBeGreaterThan(1e-3);
    tf.dispose([src, tgt, e1, e2, t1, t2, t3]);
    m.dispose();
  });
});

describe('losses', () => {
  it('makeSeq2SeqBatch lays out [BOS, y] / [y, EOS] and teacherForcedLogits has gradients for every variable', () => {
    const m = new Transformer(tinyConfig, 1);
    const batch = makeSeq2SeqBatch([[5, 6, 7], [8]], [[9, 10], [11, 12, 13]], m.config);
    expect(batch.tgtIn.arraySync()).toEqual([[1, 9, 10, 0], [1, 11, 12, 13]]);
    expect(batch.tgtOut.arraySync()).toEqual([[9, 10, 2, 0], [11, 12, 13, 2]]);
    expect(batch.src.arraySync()).toEqual([[5, 6, 7], [8, 0, 0]]);
    const mask = targetMask(batch.tgtOut, 0);
    expect(mask.arraySync()).toEqual(batch.mask.arraySync());
    const { value, grads } = tf.variableGrads(() =>
      sequenceNll(teacherForcedLogits(m, batch), batch.tgtOut, batch.mask, { labelSmoothing: 0.1 }) as tf.Scalar,
    );
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    expect(Object.keys(grads)).toHaveLength(m.trainableVariables().length);
    const norms = m.trainableVariables().map((v) => tf.tidy(() => tf.norm(grads[v.name]).dataSync()[0]));
    expect(norms.every((x) => Number.isFinite(x))).toBe(true);
    expect(norms[0]).toBeGreaterThan(0); // embedding gets a gradient (input + tied output)
    tf.dispose([value, ...Object.values(grads), mask, batch.src, batch.tgtIn, batch.tgtOut, batch.mask]);
    m.dispose();
  });
});
