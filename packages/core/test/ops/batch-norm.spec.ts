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
  /** Weights of y, mean and variance in the scalar loss. */
  wy: number[];
  wm: number[];
  wv: number[];
}

const problem: Problem = {
  x: normals(ROWS * C, 1).map((v, i) => 1.5 * v + (i % C) * 0.3),
  gamma: normals(C, 2).map((v) => 1 + 0.5 * v),
  beta: normals(C, 3),
  wy: normals(ROWS * C, 4),
  wm: normals(C, 5),
  wv: normals(C, 6),
};

/** float64 reference: [y, mean, variance] of training-mode batch norm over the rows of x [ROWS, C]. */
function reference(x: number[], gamma: number[], beta: number[]): { y: number[]; mean: number[]; variance: number[] } {
  const mean = new Array<number>(C).fill(0);
  const variance = new Array<number>(C).fill(0);
  for (let r = 0; r < ROWS; r++) for (let c = 0; c < C; c++) mean[c]! += x[r * C + c]! / ROWS;
  for (let r = 0; r < ROWS; r++) for (let c = 0; c < C; c++) variance[c]! += (x[r * C + c]! - mean[c]!) ** 2 / ROWS;
  const y = x.map((v, i) => ((v - mean[i % C]!) / Math.sqrt(variance[i % C]! + EPS)) * gamma[i % C]! + beta[i % C]!);
  return { y, mean, variance };
}

function referenceLoss(p: Problem): number {
  const { y, mean, variance } = reference(p.x, p.gamma, p.beta);
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
  return dot(y, p.wy) + dot(mean, p.wm) + dot(variance, p.wv);
}

/** Central differences of the float64 reference loss w.r.t. every entry of `which`. */
function finiteDifferences(which: 'x' | 'gamma' | 'beta', h = 1e-5): number[] {
  return problem[which].map((_, i) => {
    const shifted = (d: number): number => {
      const values = problem[which].slice();
      values[i]! += d;
      return referenceLoss({ ...problem, [which]: values });
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

function checkAgainstReference(): void {
  const x = tf.tensor4d(problem.x, [N, H, W, C]);
  const gamma = tf.tensor1d(problem.gamma);
  const beta = tf.tensor1d(problem.beta);
  const wy = tf.tensor4d(problem.wy, [N, H, W, C]);
  const wm = tf.tensor1d(problem.wm);
  const wv = tf.tensor1d(problem.wv);
  const ref = reference(problem.x, problem.gamma, problem.beta);
  const out = batchNorm(x, gamma, beta, { training: true, epsilon: EPS });
  expectClose(out.y.dataSync(), ref.y, 1e-5);
  expectClose(out.mean!.dataSync(), ref.mean, 1e-6);
  expectClose(out.variance!.dataSync(), ref.variance, 1e-6);
  const loss = (xv: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
    const r = batchNorm(xv, g, b, { training: true, epsilon: EPS });
    return tf.addN([tf.sum(tf.mul(r.y, wy)), tf.sum(tf.mul(r.mean!, wm)), tf.sum(tf.mul(r.variance!, wv))]) as tf.Scalar;
  };
  const [dx, dg, db] = tf.grads(loss)([x, gamma, beta]);
  expectClose(dx!.dataSync(), finiteDifferences('x'), 2e-5);
  expectClose(dg!.dataSync(), finiteDifferences('gamma'), 2e-5);
  expectClose(db!.dataSync(), finiteDifferences('beta'), 2e-5);
  tf.dispose([x, gamma, beta, wy, wm, wv, out.y, out.mean!, out.variance!, dx!, dg!, db!]);
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

  it('composite on cpu: values, and gradients w.r.t. x, gamma and beta through y, mean and variance', async () => {
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
