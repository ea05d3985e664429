import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  backwardKl,
  DIVERGENCE_NAMES,
  divergences,
  forwardKl,
  generalizedJsd,
  REDUCTIONS,
  totalVariation,
  type DivergenceName,
  type DivergenceOptions,
} from '../../src/divergence';
import { expectAllClose } from './close-to';
import { referenceDivergence, referenceGradient, type ReferenceOptions } from './reference-divergences';
import { Rng } from '../../src/runtime/rng';

/** PyTorch float64 vectors (a copy of the design folder's test-vectors.json, kept in the repository). */
const VECTORS_PATH = path.resolve(__dirname, '../fixtures/test-vectors.json');

interface VectorCase {
  divergence: 'forward' | 'backward' | 'jsd' | 'tvd';
  beta: number | null;
  temperature: number;
  teacher_logits: number[][];
  student_logits: number[][];
  value: number;
  grad_student_logits: number[][];
}

/** Extra options each divergence is exercised with (beyond its defaults). */
const EXTRA_OPTIONS: Record<DivergenceName, Array<{ beta?: number; skew?: number }>> = {
  forward: [{}],
  backward: [{}],
  jsd: [{}, { beta: 0.2 }, { beta: 0.9 }],
  tvd: [{}],
  'skew-forward': [{}, { skew: 0.4 }],
  'skew-backward': [{}, { skew: 0.4 }],
};

const SHAPES: number[][] = [[5], [4, 6], [2, 3, 7]];
const TEMPERATURES = [1, 0.5, 2.5];

function randomMask(rng: Rng, positions: number): number[] {
  const mask = Array.from({ length: positions }, () => (rng.next() < 0.7 ? 1 : 0));
  mask[0] = 1;
  return mask;
}

function toTfOptions(o: ReferenceOptions, positionShape: number[]): DivergenceOptions {
  return { ...o, mask: o.mask ? tf.tensor(o.mask, positionShape) : undefined };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('token divergences vs PyTorch float64 test vectors', () => {
  const file = JSON.parse(fs.readFileSync(VECTORS_PATH, 'utf8')) as { cases: VectorCase[] };
  it('has cases for forward, backward, jsd and tvd', () => {
    expect(new Set(file.cases.map((c) => c.divergence))).toEqual(new Set(['forward', 'backward', 'jsd', 'tvd']));
  });
  it.each(file.cases.map((c, i) => [i, c.divergence, c.temperature, c] as const))(
    'case %i: %s at T=%d matches value and learner gradient',
    (_i, name, temperature, c) => {
      const teacher = tf.tensor2d(c.teacher_logits);
      const learner = tf.tensor2d(c.student_logits);
      const fn = divergences[name];
      const options: DivergenceOptions = { temperature, reduction: 'mean', beta: c.beta ?? undefined };
      const value = fn(teacher, learner, options);
      const grad = tf.grad((l: tf.Tensor) => fn(teacher, l, options))(learner);
      expectAllClose(value.dataSync(), [c.value], 1e-5, 1e-5, `${name} T=${temperature} value`);
      expectAllClose(grad.dataSync(), c.grad_student_logits.flat(), 1e-5, 1e-5, `${name} T=${temperature} grad`);
      tf.dispose([teacher, learner, value, grad]);
    },
  );
});

describe('token divergences vs a float64 JS reference', () => {
  it.each([...DIVERGENCE_NAMES])('%s: values for every shape, temperature, mask and reduction', (name) => {
    const rng = Rng.fromSeed(1234);
    let checked = 0;
    for (const shape of SHAPES) {
      const size = shape.reduce((a, b) => a * b, 1);
      const positionShape = shape.slice(0, -1);
      const positions = size / shape[shape.length - 1];
      for (const temperature of TEMPERATURES) {
        for (const extra of EXTRA_OPTIONS[name]) {
          for (const masked of [false, true]) {
            const teacherData = rng.normals(size, 3);
            const learnerData = rng.normals(size, 3);
            const mask = masked ? randomMask(rng, positions) : undefined;
            const teacher = tf.tensor(teacherData, shape);
            const learner = tf.tensor(learnerData, shape);
            for (const reduction of REDUCTIONS) {
              const ref: ReferenceOptions = { temperature, reduction, mask, ...extra };
              const expected = referenceDivergence(name, teacherData, learnerData, shape, ref);
              const options = toTfOptions(ref, positionShape);
              const out = divergences[name](teacher, learner, options);
              expect(out.shape).toEqual(reduction === 'none' ? positionShape : []);
              expectAllClose(out.dataSync(), expected, 2e-5, 2e-5, `${name} ${JSON.stringify({ shape, ...ref })}`);
              tf.dispose([out, options.mask ?? []]);
              checked++;
            }
            tf.dispose([teacher, learner]);
          }
        }
      }
    }
    expect(checked).toBe(SHAPES.length * TEMPERATURES.length * EXTRA_OPTIONS[name].length * 2 * REDUCTIONS.length);
  });

  it.each([...DIVERGENCE_NAMES])('%s: learner gradients match float64 central finite differences', (name) => {
    const rng = Rng.fromSeed(99);
    const shape = [2, 3, 5];
    const positionShape = [2, 3];
    const configs: ReferenceOptions[] = [
      { temperature: 1, reduction: 'mean' },
      { temperature: 2, reduction: 'batchmean', mask: [1, 1, 0, 1, 0, 1] },
      { temperature: 0.7, reduction: 'sum', mask: [1, 0, 1, 1, 1, 0] },
      { temperature: 1.5, reduction: 'none', mask: [1, 1, 1, 0, 1, 1] },
    ];
    for (const extra of EXTRA_OPTIONS[name]) {
      for (const config of configs) {
        const ref = { ...config, ...extra };
        const teacherData = rng.normals(30, 2);
        const learnerData = rng.normals(30, 2);
        const weights = ref.reduction === 'none' ? rng.normals(6) : [1];
        const expected = referenceGradient(name, teacherData, learnerData, shape, ref, weights);
        const teacher = tf.tensor(teacherData, shape);
        const learner = tf.tensor(learnerData, shape);
        const w = ref.reduction === 'none' ? tf.tensor(weights, positionShape) : tf.scalar(1);
        const options = toTfOptions(ref, positionShape);
        const grad = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(divergences[name](teacher, l, options), w)))(learner);
        expectAllClose(grad.dataSync(), expected, 2e-5, 1e-4, `${name} grad ${JSON.stringify(ref)}`);
        tf.dispose([teacher, learner, w, grad, options.mask ?? []]);
      }
    }
  });
});

describe('token divergence properties', () => {
  const rng = Rng.fromSeed(7);
  const shape = [8, 6];

  it.each([...DIVERGENCE_NAMES])('%s is >= 0 per position and 0 when the distributions are equal', (name) => {
    for (const temperature of [1, 3]) {
      const teacher = tf.tensor(rng.normals(48, 4), shape);
      const learner = tf.tensor(rng.normals(48, 4), shape);
      const shifted = tf.add(teacher, 17.5); // same softmax up to float32 rounding of the logits
      const apart = divergences[name](teacher, learner, { temperature, reduction: 'none' });
      const same = divergences[name](teacher, teacher, { temperature, reduction: 'none' });
      const nearlySame = divergences[name](teacher, shifted, { temperature, reduction: 'none' });
      const apartValues = Array.from(apart.dataSync());
      expect(Math.min(...apartValues)).toBeGreaterThan(1e-4);
      expectAllClose(same.dataSync(), new Array(8).fill(0), 1e-7, 0, `${name} identical logits`);
      expectAllClose(nearlySame.dataSync(), new Array(8).fill(0), 1e-5, 0, `${name} shifted logits`);
      tf.dispose([teacher, learner, shifted, apart, same, nearlySame]);
    }
  });

  it('jsd <= log 2 at T=1 for several beta, and is close to log 2 for disjoint distributions', () => {
    const teacher = tf.tensor([[1e4, 0, -1e4], ...Array.from({ length: 7 }, () => rng.normals(3, 5))]);
    const learner = tf.tensor([[-1e4, 1e4, 0], ...Array.from({ length: 7 }, () => rng.normals(3, 5))]);
    for (const beta of [0.1, 0.5, 0.77]) {
      const values = generalizedJsd(teacher, learner, { beta, reduction: 'none' }).dataSync();
      for (const v of values) expect(v).toBeLessThanOrEqual(Math.LN2 + 1e-6);
      // Disjoint supports: JSD_beta = H(beta) (binary entropy), = log 2 at beta = 0.5.
      const h = -beta * Math.log(beta) - (1 - beta) * Math.log(1 - beta);
      expect(values[0]).toBeCloseTo(h, 5);
    }
    tf.dispose([teacher, learner]);
  });

  it('skew KL is bounded by -log(skew)', () => {
    const teacher = tf.tensor([[1e4, 0, -1e4], [3, -2, 0]]);
    const learner = tf.tensor([[-1e4, 1e4, 0], [-3, 2, 1]]);
    for (const skew of [0.1, 0.3]) {
      for (const fn of [divergences['skew-forward'], divergences['skew-backward']]) {
        const values = fn(teacher, learner, { skew, reduction: 'none' }).dataSync();
        for (const v of values) expect(v).toBeLessThanOrEqual(-Math.log(skew) + 1e-5);
        expect(values[0]).toBeCloseTo(-Math.log(skew), 4);
      }
    }
    tf.dispose([teacher, learner]);
  });

  it('forward and backward KL differ (asymmetry) and swap when the arguments swap', () => {
    const a = tf.tensor([[4, 0, -1, 2]]);
    const b = tf.tensor([[0, 1, 3, -2]]);
    const fwd = forwardKl(a, b).dataSync()[0];
    const bwd = backwardKl(a, b).dataSync()[0];
    expect(Math.abs(fwd - bwd)).toBeGreaterThan(0.1);
    expect(backwardKl(b, a).dataSync()[0]).toBeCloseTo(fwd, 6);
    tf.dispose([a, b]);
  });

  it('jsd with beta = 0 / 1 equals forward / backward KL exactly (values and gradients)', () => {
    const teacher = tf.tensor(rng.normals(48, 3), shape);
    const learner = tf.tensor(rng.normals(48, 3), shape);
    for (const [beta, other] of [
      [0, forwardKl],
      [1, backwardKl],
    ] as const) {
      const options: DivergenceOptions = { beta, temperature: 1.7, reduction: 'none' };
      expect(Array.from(generalizedJsd(teacher, learner, options).dataSync())).toEqual(
        Array.from(other(teacher, learner, options).dataSync()),
      );
      const g1 = tf.grad((l: tf.Tensor) => generalizedJsd(teacher, l, { ...options, reduction: 'mean' }))(learner);
      const g2 = tf.grad((l: tf.Tensor) => other(teacher, l, { ...options, reduction: 'mean' }))(learner);
      expect(Array.from(g1.dataSync())).toEqual(Array.from(g2.dataSync()));
    }
    tf.dispose([teacher, learner]);
  });

  it('total variation gradient at equal distributions is exactly 0 (sign(0) = 0)', () => {
    const teacher = tf.tensor([[1, 2, 3]]);
    const g = tf.grad((l: tf.Tensor) => totalVariation(teacher, l))(tf.tensor([[1, 2, 3]]));
    expect(Array.from(g.dataSync()).every((x) => x === 0)).toBe(true);
  });

  it.each([...DIVERGENCE_NAMES])('%s: logits of magnitude 1e4 give finite values and gradients', (name) => {
    const big = (xs: number[]): number[] => xs.map((x) => Math.sign(x) * 1e4 * Math.min(1, Math.abs(x)));
    const teacher = tf.tensor(big(rng.normals(48, 2)), shape);
    const learner = tf.tensor(big(rng.normals(48, 2)), shape);
    for (const temperature of [1, 0.5, 4]) {
      for (const reduction of REDUCTIONS) {
        for (const extra of EXTRA_OPTIONS[name]) {
          const options: DivergenceOptions = { temperature, reduction, ...extra };
          const value = divergences[name](teacher, learner, options);
          const [gt, gl] = tf.grads((t: tf.Tensor, l: tf.Tensor) => tf.sum(divergences[name](t, l, options)))([
            teacher,
            learner,
          ]);
          // (Gradients may underflow to exactly 0 where the softmax saturates: e^-1e4 is 0 in float64 too.)
          for (const x of [...value.dataSync(), ...gl.dataSync(), ...gt.dataSync()]) expect(Number.isFinite(x)).toBe(true);
          tf.dispose([value, gt, gl]);
        }
      }
    }
    tf.dispose([teacher, learner]);
  });

  it.each([...DIVERGENCE_NAMES])('%s sends no gradient to the teacher logits', (name) => {
    const teacher = tf.tensor(rng.normals(48, 2), shape);
    const learner = tf.tensor(rng.normals(48, 2), shape);
    const [gt, gl] = tf.grads((t: tf.Tensor, l: tf.Tensor) => divergences[name](t, l, { temperature: 2 }))([
      teacher,
      learner,
    ]);
    expect(Array.from(gt.dataSync()).every((x) => x === 0)).toBe(true);
    expect(Array.from(gl.dataSync()).some((x) => x !== 0)).toBe(true);
    tf.dispose([teacher, learner, gt, gl]);
  });

  it('leaks no tensor: values, gradients, masks and every reduction', () => {
    const teacher = tf.tensor(rng.normals(48, 2), shape);
    const learner = tf.tensor(rng.normals(48, 2), shape);
    const mask = tf.tensor1d([1, 1, 0, 1, 0, 1, 1, 1], 'int32');
    const learnerVar = tf.variable(tf.randomNormal([8, 6], 0, 1, 'float32', 5), true, 'divergence-leak-test-learner');
    const before = tf.memory().numTensors;
    for (const name of DIVERGENCE_NAMES) {
      for (const reduction of REDUCTIONS) {
        const options: DivergenceOptions = { temperature: 2, reduction, mask };
        divergences[name](teacher, learner, options).dispose();
        const { value, grads } = tf.variableGrads(
          () => tf.sum(divergences[name](teacher, learnerVar, options)) as tf.Scalar,
          [learnerVar],
        );
        tf.dispose([value, ...Object.values(grads)]);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([teacher, learner, mask, learnerVar]);
  });

  it('rejects mismatched shapes, bad masks and out-of-range options', () => {
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([2, 4]);
    expect(() => forwardKl(a, b)).toThrow(/same shape/);
    expect(() => forwardKl(a, a, { mask: tf.ones([3]) })).toThrow(/mask shape/);
    expect(() => forwardKl(a, a, { temperature: 0 })).toThrow(/temperature/);
    expect(() => generalizedJsd(a, a, { beta: 1.5 })).toThrow(/beta/);
    expect(() => divergences['skew-forward'](a, a, { skew: -0.1 })).toThrow(/skew/);
    // skew = 1 makes both skew divergences identically 0 (independent of the learner): refused, saying why.
    for (const name of ['skew-forward', 'skew-backward'] as const) {
      expect(() => divergences[name](a, a, { skew: 1 })).toThrow(/skew must be a number in \[0, 1\), got 1 \(.*no gradient/);
      expect(() => divergences[name](a, a, { skew: 0.999 })).not.toThrow();
    }
  });

  it("'mean' over an all-padding mask is 0, not NaN", () => {
    const a = tf.tensor([[1, 2], [3, 4]]);
    const b = tf.tensor([[0, 2], [5, 4]]);
    expect(forwardKl(a, b, { mask: tf.zeros([2]) }).dataSync()[0]).toBe(0);
  });
});
