import * as tf from '@tensorflow/tfjs';
import { batchNorm, KT_KERNEL_NAMES } from '../../src/ops';
import { initBackend, installNativeKernels, loadNativeModule, removeNativeKernels } from '../../src/runtime/backend';
import { Rng } from '../../src/runtime/rng';

/*
 * core's batchNorm op against an independent float64 reference (forward values, and gradients by central finite
 * differences of the reference), through all three outputs: y, and the batch mean and variance (DeepInversion
 * differentiates a loss on the statistics w.r.t. the input). On cpu (the composite) and on wasm + @kt/native
 * (the KtBatchNorm / KtBatchNormGrad kernels) when the addon is available.
 */

const N = 3;
const H = 2;
const W = 3;
const C = 4;
const ROWS = N * H * W;
const EPS = 1e-3;

function normals(n: number, seed: number): number[] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: n }, () => rng.normal());
}

interface Problem {
  x: number[];
  gamma: number[];
  beta: number[];
  /** Eval mode: y normalised with these (the batch statistics are still outputs). */
  runningMean: number[];
  runningVariance: number[];
  /** Weights of y, mean and variance in the scalar loss. */
  wy: number[];
  wm: number[];
  wv: number[];
}

const problem: Problem = {
  x: normals(ROWS * C, 1).map((v, i) => 1.5 * v + (i % C) * 0.3),
  gamma: normals(C, 2).map((v) => 1 + 0.5 * v),
  beta: normals(C, 3),
  runningMean: normals(C, 7),
  runningVariance: normals(C, 8).map((v) => 0.5 + Math.abs(v)),
  wy: normals(ROWS * C, 4),
  wm: normals(C, 5),
  wv: normals(C, 6),
};

/** float64 reference: [y, mean, variance] of batch norm over the rows of x [ROWS, C] (y with the running statistics in eval mode). */
function reference(p: Problem, training: boolean): { y: number[]; mean: number[]; variance: number[] } {
  const { x, gamma, beta } = p;
  const mean = new Array<number>(C).fill(0);
  const variance = new Array<number>(C).fill(0);
  for (let r = 0; r < ROWS; r++) for (let c = 0; c < C; c++) mean[c]! += x[r * C + c]! / ROWS;
  for (let r = 0; r < ROWS; r++) for (let c = 0; c < C; c++) variance[c]! += (x[r * C + c]! - mean[c]!) ** 2 / ROWS;
  const [m, v] = training ? [mean, variance] : [p.runningMean, p.runningVariance];
  const y = x.map((value, i) => ((value - m[i % C]!) / Math.sqrt(v[i % C]! + EPS)) * gamma[i % C]! + beta[i % C]!);
  return { y, mean, variance };
}

function referenceLoss(p: Problem, training: boolean): number {
  const { y, mean, variance } = reference(p, training);
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
  return dot(y, p.wy) + dot(mean, p.wm) + dot(variance, p.wv);
}

type Input = 'x' | 'gamma' | 'beta' | 'runningMean' | 'runningVariance';

/** Central differences of the float64 reference loss w.r.t. every entry of `which`. */
function finiteDifferences(which: Input, training: boolean, h = 1e-5): number[] {
  return problem[which].map((_, i) => {
    const shifted = (d: number): number => {
      const values = problem[which].slice();
      values[i]! += d;
      return referenceLoss({ ...problem, [which]: values }, training);
    };
    return (shifted(h) - shifted(-h)) / (2 * h);
  });
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  const worst = expected.reduce((m, e, i) => Math.max(m, Math.abs(actual[i]! - e) / scale), 0);
  expect(worst).toBeLessThan(tol);
}

/** Training mode, then eval mode with batch statistics (DeepInversion's teacher): values and every input's gradient. */
function checkAgainstReference(): void {
  for (const training of [true, false]) {
    const x = tf.tensor4d(problem.x, [N, H, W, C]);
    const gamma = tf.tensor1d(problem.gamma);
    const beta = tf.tensor1d(problem.beta);
    const rm = tf.tensor1d(problem.runningMean);
    const rv = tf.tensor1d(problem.runningVariance);
    const wy = tf.tensor4d(problem.wy, [N, H, W, C]);
    const wm = tf.tensor1d(problem.wm);
    const wv = tf.tensor1d(problem.wv);
    const ref = reference(problem, training);
    const run = (xv: tf.Tensor, g: tf.Tensor, b: tf.Tensor, m: tf.Tensor, v: tf.Tensor): ReturnType<typeof batchNorm> =>
      batchNorm(xv, g, b, { training, epsilon: EPS, runningMean: m, runningVariance: v, batchStats: true });
    const out = run(x, gamma, beta, rm, rv);
    expectClose(out.y.dataSync(), ref.y, 1e-5);
    expectClose(out.mean!.dataSync(), ref.mean, 1e-6);
    expectClose(out.variance!.dataSync(), ref.variance, 1e-6);
    const loss = (...inputs: tf.Tensor[]): tf.Scalar => {
      const r = run(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!, inputs[4]!);
      return tf.addN([tf.sum(tf.mul(r.y, wy)), tf.sum(tf.mul(r.mean!, wm)), tf.sum(tf.mul(r.variance!, wv))]) as tf.Scalar;
    };
    const names: Input[] = training ? ['x', 'gamma', 'beta'] : ['x', 'gamma', 'beta', 'runningMean', 'runningVariance'];
    const grads = tf.grads(loss)([x, gamma, beta, rm, rv].slice(0, names.length));
    names.forEach((name, i) => expectClose(grads[i]!.dataSync(), finiteDifferences(name, training), 2e-5));
    tf.dispose([x, gamma, beta, rm, rv, wy, wm, wv, out.y, out.mean!, out.variance!, ...grads]);
  }
}

async function kernelsOf(fn: () => void): Promise<string[]> {
  const info = await tf.profile(() => {
    fn();
    return undefined;
  });
  return info.kernelNames;
}

describe('batchNorm op vs a float64 reference and finite differences', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', native: false, log: () => undefined });
  });

  it('composite on cpu: values, and gradients w.r.t. every input through y, mean and variance (training and eval)', async () => {
    await tf.setBackend('cpu');
    const kernels = await kernelsOf(() => checkAgainstReference());
    expect(kernels).not.toContain(KT_KERNEL_NAMES.batchNorm);
  });

  const loaded = loadNativeModule();
  const available = loaded.module?.nativeStatus().available === true;
  (available ? it : it.skip)('KtBatchNorm / KtBatchNormGrad on wasm + @kt/native: the same', async () => {
    await tf.setBackend('wasm');
    const info = installNativeKernels({ blas: 'system' });
    try {
      expect(info.active).toBe(true);
      const before = tf.memory().numTensors;
      const kernels = await kernelsOf(() => checkAgainstReference());
      expect(kernels).toEqual(expect.arrayContaining([KT_KERNEL_NAMES.batchNorm, KT_KERNEL_NAMES.batchNormGrad]));
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      removeNativeKernels();
    }
  });

  it('eval mode normalises with the running statistics and returns batch statistics only when asked', async () => {
    await tf.setBackend('cpu');
    const x = tf.tensor2d([1, 2, 3, 6], [2, 2]);
    const g = tf.tensor1d([2, 1]);
    const b = tf.tensor1d([0, 1]);
    const rm = tf.tensor1d([1, 0]);
    const rv = tf.tensor1d([4, 1]);
    const plain = batchNorm(x, g, b, { training: false, runningMean: rm, runningVariance: rv, epsilon: 0 });
    expect(Array.from(plain.y.dataSync())).toEqual([0, 3, 2, 7]);
    expect(plain.mean).toBeUndefined();
    const withStats = batchNorm(x, g, b, { training: false, runningMean: rm, runningVariance: rv, epsilon: 0, batchStats: true });
    expect(Array.from(withStats.mean!.dataSync())).toEqual([2, 4]);
    expect(Array.from(withStats.variance!.dataSync())).toEqual([1, 4]);
    tf.dispose([x, g, b, rm, rv, plain.y, withStats.y, withStats.mean!, withStats.variance!]);
  });

  it('rejects per-channel tensors of the wrong size and eval mode without running statistics', async () => {
    await tf.setBackend('cpu');
    const x = tf.zeros([2, 3, 3, 4]);
    const ok = tf.ones([4]);
    const bad = tf.ones([3]);
    expect(() => batchNorm(x, bad, ok, { training: true })).toThrow(/gamma must be \[4\].*got \[3\]/);
    expect(() => batchNorm(x, ok, ok, { training: false, runningMean: ok })).toThrow(/needs runningMean and runningVariance/);
    expect(() => batchNorm(x, ok, ok, { training: false, runningMean: ok, runningVariance: bad })).toThrow(/runningVariance must be \[4\]/);
    expect(() => batchNorm(tf.zeros([4]), ok, ok, { training: true })).toThrow(/rank >= 2/);
    tf.dispose([x, ok, bad]);
  });
});
