import * as tf from '@tensorflow/tfjs';
import { Rng } from '@kt/core';
import { useCpuBackend } from '@kt/core/testing';
import { complexScorer, distmultScorer, KgModel, ModelSpecSchema, rotateScorer, SCORERS, transeScorer, type ModelSpecInput } from '../../src/models';

useCpuBackend();

const specs: ModelSpecInput[] = [
  { kind: 'transe', dim: 6, norm: 1 },
  { kind: 'transe', dim: 6, norm: 2 },
  { kind: 'rotate', dim: 3 },
  { kind: 'distmult', dim: 6 },
  { kind: 'complex', dim: 3 },
];

describe('KG models', () => {
  it('every kind of the schema has a scorer', () => {
    const kinds = ModelSpecSchema.options.map((o) => o.shape.kind.value);
    expect(Object.keys(SCORERS).sort()).toEqual([...kinds].sort());
  });

  it.each(specs)('%o: triple scores, 1-N scores in both directions and sampled-negative scores agree', (input) => {
    const model = new KgModel(ModelSpecSchema.parse(input), 9, 3, 1);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const h = tf.tensor1d([0, 4, 8, 2], 'int32');
      const r = tf.tensor1d([0, 1, 2, 1], 'int32');
      const t = tf.tensor1d([3, 4, 1, 7], 'int32');
      const direct = model.scoreTriples(h, r, t).arraySync() as number[];
      const tails = model.scoreAll('tail', h, r).arraySync();
      const heads = model.scoreAll('head', t, r).arraySync();
      const ht = [0, 4, 8, 2];
      const tt = [3, 4, 1, 7];
      direct.forEach((s, i) => {
        expect(tails[i]![tt[i]!]).toBeCloseTo(s, 4);
        expect(heads[i]![ht[i]!]).toBeCloseTo(s, 4);
      });
      // Negatives [B, K] broadcast against positives [B, 1].
      const negT = tf.tensor2d([[1, 2], [3, 5], [0, 6], [8, 7]], [4, 2], 'int32');
      const neg = model.scoreTriples(tf.expandDims(h, 1), tf.expandDims(r, 1), negT).arraySync() as number[][];
      expect(neg[3]![1]).toBeCloseTo(direct[3]!, 4);
      expect(neg[0]![0]).toBeCloseTo(tails[0]![1]!, 4);
    });
    expect(tf.memory().numTensors).toBe(before);
    // gradients reach both tables
    const grads = tf.variableGrads(() => tf.sum(model.scoreTriples(tf.tensor1d([0], 'int32'), tf.tensor1d([1], 'int32'), tf.tensor1d([2], 'int32'))) as tf.Scalar, model.trainableVariables());
    expect(Object.keys(grads.grads)).toHaveLength(2);
    Object.values(grads.grads).forEach((g) => expect(Number.isFinite(tf.sum(tf.abs(g)).dataSync()[0]!)).toBe(true));
    tf.dispose([grads.value, ...Object.values(grads.grads)]);
    model.dispose();
  });

  it.each(specs)('%o: scoreNegatives equals scoreTriples of the corrupted triples (head and tail corruption) with the same gradients', (input) => {
    const model = new KgModel(ModelSpecSchema.parse(input), 9, 3, 2);
    const h = tf.tensor1d([0, 4, 8, 2], 'int32');
    const r = tf.tensor1d([0, 1, 2, 1], 'int32');
    const t = tf.tensor1d([3, 4, 1, 7], 'int32');
    const corrupted = tf.tensor2d([[1, 2, 5], [3, 5, 0], [0, 6, 6], [8, 7, 4]], [4, 3], 'int32');
    const corruptHead = tf.tensor1d([1, 0, 1, 0], 'int32');
    // The same negatives as full triples: the head replaced in rows 0 and 2, the tail in rows 1 and 3.
    const nh = tf.tensor2d([[1, 2, 5], [4, 4, 4], [0, 6, 6], [2, 2, 2]], [4, 3], 'int32');
    const nt = tf.tensor2d([[3, 3, 3], [3, 5, 0], [1, 1, 1], [8, 7, 4]], [4, 3], 'int32');
    const fast = () => tf.sum(tf.mul(model.scoreNegatives(h, r, t, corrupted, corruptHead), tf.range(1, 13).reshape([4, 3]))) as tf.Scalar;
    const slow = () => tf.sum(tf.mul(model.scoreTriples(nh, tf.expandDims(r, 1), nt), tf.range(1, 13).reshape([4, 3]))) as tf.Scalar;
    const a = model.scoreNegatives(h, r, t, corrupted, corruptHead);
    const b = model.scoreTriples(nh, tf.expandDims(r, 1), nt);
    expect(a.shape).toEqual([4, 3]);
    const av = a.dataSync();
    b.dataSync().forEach((v, i) => expect(av[i]).toBeCloseTo(v, 4));
    const ga = tf.variableGrads(fast, model.trainableVariables());
    const gb = tf.variableGrads(slow, model.trainableVariables());
    for (const name of Object.keys(gb.grads)) {
      const x = ga.grads[name]!.dataSync();
      gb.grads[name]!.dataSync().forEach((v, i) => expect(x[i]).toBeCloseTo(v, 3));
    }
    tf.dispose([h, r, t, corrupted, corruptHead, nh, nt, a, b, ga.value, gb.value, ...Object.values(ga.grads), ...Object.values(gb.grads)]);
    model.dispose();
  });

  it('hand-computed scores', () => {
    const e = (rows: number[][]): tf.Tensor2D => tf.tensor2d(rows);
    // TransE L1, γ = 5: h + r − t = (1, 1) → 5 − 2; L2 → 5 − √2
    const h = e([[1, 0]]);
    const r = e([[1, 2]]);
    const t = e([[1, 1]]);
    expect(transeScorer(2, 1, 5).pair(transeScorer(2, 1, 5).query('tail', h, r), t).dataSync()[0]).toBeCloseTo(3, 5);
    expect(transeScorer(2, 2, 5).pair(transeScorer(2, 2, 5).query('tail', h, r), t).dataSync()[0]).toBeCloseTo(5 - Math.SQRT2, 4);
    // DistMult: 1·1·1 + 0·2·1 = 1
    expect(distmultScorer(2).pair(distmultScorer(2).query('tail', h, r), t).dataSync()[0]).toBeCloseTo(1, 6);
    // ComplEx k = 1: h = 1 + 0i, r = 1 + 2i, t = 1 + 1i: Re(h r t̄) = Re((1 + 2i)(1 − i)) = Re(3 + i) = 3
    const cx = complexScorer(1);
    expect(cx.pair(cx.query('tail', h, r), t).dataSync()[0]).toBeCloseTo(3, 6);
    expect(cx.pair(cx.query('head', t, r), h).dataSync()[0]).toBeCloseTo(3, 6);
    // RotatE k = 1, γ = 2: h = 1, θ = π/2 → h r = i; t = 1 + i: |i − (1 + i)| = 1 → 2 − 1
    const rot = rotateScorer(1, 2);
    expect(rot.pair(rot.query('tail', h, e([[Math.PI / 2]])), t).dataSync()[0]).toBeCloseTo(1, 4);
    expect(rot.pair(rot.query('head', t, e([[Math.PI / 2]])), h).dataSync()[0]).toBeCloseTo(1, 4);
  });

  it('initialisation comes from core Rng: same seed, same weights; weights round-trip by name', () => {
    const spec = ModelSpecSchema.parse({ kind: 'rotate', dim: 4 });
    const a = new KgModel(spec, 5, 2, 7);
    const b = new KgModel(spec, 5, 2, 7);
    const c = new KgModel(spec, 5, 2, 8);
    expect(a.entity.dataSync()).toEqual(b.entity.dataSync());
    expect(a.entity.dataSync()).not.toEqual(c.entity.dataSync());
    const w = a.getWeights();
    expect([...w.keys()]).toEqual(['kg/entity', 'kg/relation']);
    c.setWeights(w);
    expect(c.relation.dataSync()).toEqual(a.relation.dataSync());
    expect(Math.max(...a.relation.dataSync())).toBeLessThanOrEqual(Math.PI);
    expect(() => c.setWeights(new Map([['kg/entity', tf.zeros([1, 1])]]))).toThrow(/kg\/entity: shape \[1, 1\] does not fit \[5, 8\]/);
    tf.dispose([...w.values()]);
    [a, b, c].forEach((m) => m.dispose());
    expect(Rng.fromSeed(1).next()).toBeLessThan(1);
  });
});
