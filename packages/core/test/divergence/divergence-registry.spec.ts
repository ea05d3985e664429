import * as tf from '@tensorflow/tfjs';
import {
  DIVERGENCE_NAMES,
  divergences,
  getDivergence,
  isDivergenceName,
  UnknownDivergenceError,
  type DivergenceName,
  type DivergenceOptions,
} from '../../src/divergence';
import { Rng } from '../../src/runtime/rng';

/**
 * The battery every registered divergence must pass, with the options each is run with. A new
 * divergence must add an entry here — the meta-test below fails otherwise.
 */
const BATTERY: Record<string, DivergenceOptions[]> = {
  forward: [{}, { temperature: 2 }],
  backward: [{}, { temperature: 2 }],
  jsd: [{}, { beta: 0.1 }, { beta: 0.9, temperature: 3 }],
  tvd: [{}, { temperature: 0.5 }],
  'skew-forward': [{}, { skew: 0.5 }],
  'skew-backward': [{}, { skew: 0.5 }],
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('divergence registry', () => {
  it('meta: every name in DIVERGENCE_NAMES has a battery entry, and no entry is stale', () => {
    const missing = DIVERGENCE_NAMES.filter((name) => !(name in BATTERY));
    const stale = Object.keys(BATTERY).filter((name) => !isDivergenceName(name));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it('meta: the registry object and DIVERGENCE_NAMES list the same names', () => {
    expect(Object.keys(divergences).sort()).toEqual([...DIVERGENCE_NAMES].sort());
    expect(new Set(DIVERGENCE_NAMES).size).toBe(DIVERGENCE_NAMES.length);
    for (const name of DIVERGENCE_NAMES) expect(typeof divergences[name]).toBe('function');
    // Distinct implementations: no name is an alias of another by mistake.
    expect(new Set(Object.values(divergences)).size).toBe(DIVERGENCE_NAMES.length);
  });

  it('getDivergence returns the registered function', () => {
    for (const name of DIVERGENCE_NAMES) expect(getDivergence(name)).toBe(divergences[name]);
  });

  it('getDivergence throws UnknownDivergenceError listing the known names', () => {
    expect(() => getDivergence('reverse')).toThrow(UnknownDivergenceError);
    try {
      getDivergence('reverse');
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("'reverse'");
      for (const name of DIVERGENCE_NAMES) expect(message).toContain(name);
      expect((error as UnknownDivergenceError).divergenceName).toBe('reverse');
    }
    expect(() => getDivergence('toString')).toThrow(UnknownDivergenceError);
  });

  describe.each([...DIVERGENCE_NAMES])('battery: %s', (name: DivergenceName) => {
    const rng = Rng.fromSeed(2024);
    const shape = [3, 4, 5];
    const cases = BATTERY[name] ?? [];

    it.each(cases.map((o) => [JSON.stringify(o), o] as const))(
      'options %s: scalar, finite, positive, differentiable',
      (_label, options) => {
        const teacher = tf.tensor(rng.normals(60, 2), shape);
        const learner = tf.tensor(rng.normals(60, 2), shape);
        const before = tf.memory().numTensors;
        const value = getDivergence(name)(teacher, learner, options);
        expect(value.rank).toBe(0);
        const v = value.dataSync()[0];
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
        const grad = tf.grad((l: tf.Tensor) => getDivergence(name)(teacher, l, options))(learner);
        expect(grad.shape).toEqual(shape);
        const g = Array.from(grad.dataSync());
        expect(g.every(Number.isFinite)).toBe(true);
        expect(g.some((x) => x !== 0)).toBe(true);
        // A small step against the gradient decreases the divergence.
        const stepped = tf.tidy(() => tf.sub(learner, tf.mul(grad, 0.05)));
        const after = getDivergence(name)(teacher, stepped, options);
        expect(after.dataSync()[0]).toBeLessThan(v);
        tf.dispose([value, grad, stepped, after]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([teacher, learner]);
      },
    );

    it('respects the mask: padded positions give 0 and no gradient, whatever their logits', () => {
      const teacher = tf.tensor(rng.normals(60, 2), shape);
      const learner = tf.tensor(rng.normals(60, 2), shape);
      const maskData = [1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 0];
      const mask = tf.tensor(maskData, [3, 4]);
      const options: DivergenceOptions = { ...cases[0], mask };
      const perPosition = getDivergence(name)(teacher, learner, { ...options, reduction: 'none' }).dataSync();
      maskData.forEach((m, i) => (m === 0 ? expect(perPosition[i]).toBe(0) : expect(perPosition[i]).toBeGreaterThan(0)));
      // Changing padded logits changes neither the value nor the gradient of valid positions.
      const positionMask = tf.tensor(maskData, [3, 4, 1]);
      const noise = tf.mul(tf.sub(1, positionMask), tf.tensor(rng.normals(60, 5), shape));
      const noisy = tf.add(learner, noise);
      const f = (l: tf.Tensor): tf.Tensor => getDivergence(name)(teacher, l, options);
      const scalarOf = (t: tf.Tensor): number => {
        const x = t.dataSync()[0];
        t.dispose();
        return x;
      };
      expect(scalarOf(f(noisy))).toBeCloseTo(scalarOf(f(learner)), 6);
      const g = tf.grad(f)(learner);
      expect(scalarOf(tf.tidy(() => tf.mul(g, tf.sub(1, positionMask)).abs().max()))).toBe(0);
      expect(scalarOf(tf.tidy(() => tf.mul(g, positionMask).abs().max()))).toBeGreaterThan(0);
      const meanValue = scalarOf(f(learner));
      const sumValue = scalarOf(getDivergence(name)(teacher, learner, { ...options, reduction: 'sum' }));
      expect(meanValue).toBeCloseTo(sumValue / maskData.filter((m) => m === 1).length, 5);
      tf.dispose([teacher, learner, mask, positionMask, noise, noisy, g]);
    });

    it('-inf battery: masked vocabulary entries and all -inf padded rows give finite values and gradients', () => {
      // -inf at the same entries of teacher and learner (a shared vocabulary / top-k mask), and padded
      // positions whose rows are all -inf in both: finite, no NaN, and exactly what the same
      // distributions give without those entries and positions.
      const v = shape[2];
      const maskData = [1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0];
      const blocked = (p: number, k: number): boolean => maskData[p] === 0 || (k + p) % 3 === 0;
      const withInf = (xs: number[]): number[] => xs.map((x, i) => (blocked(Math.floor(i / v), i % v) ? -Infinity : x));
      const teacherData = rng.normals(60, 2);
      const learnerData = rng.normals(60, 2);
      const teacher = tf.tensor(withInf(teacherData), shape);
      const learner = tf.tensor(withInf(learnerData), shape);
      const mask = tf.tensor(maskData, [3, 4]);
      const options: DivergenceOptions = { ...cases[0], mask };
      const f = (l: tf.Tensor): tf.Tensor => getDivergence(name)(teacher, l, options);
      const value = f(learner);
      const grad = tf.grad(f)(learner);
      const g = Array.from(grad.dataSync());
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      expect(value.dataSync()[0]).toBeGreaterThan(0);
      expect(g.every(Number.isFinite)).toBe(true);
      g.forEach((x, i) => {
        if (blocked(Math.floor(i / v), i % v)) expect(x).toBe(0);
      });
      expect(g.some((x) => x !== 0)).toBe(true);
      // Same value as a large finite negative logit instead of -inf at the blocked entries of valid rows.
      const finiteLike = (xs: number[]): number[] => xs.map((x, i) => (blocked(Math.floor(i / v), i % v) ? -1e4 : x));
      const t2 = tf.tensor(finiteLike(teacherData), shape);
      const l2 = tf.tensor(finiteLike(learnerData), shape);
      const reference = getDivergence(name)(t2, l2, options);
      expect(value.dataSync()[0]).toBeCloseTo(reference.dataSync()[0], 5);
      tf.dispose([teacher, learner, mask, value, grad, t2, l2, reference]);
    });
  });
});
