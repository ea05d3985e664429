import * as tf from '@tensorflow/tfjs';
import { Rng } from '@kt/core';
import { useCpuBackend } from '@kt/core/testing';
import { createResNet, type BatchNormStats } from '@kt/vision';
import { bnFeatureLoss, competitionLoss, deepInversionLoss, l2Prior, SynthesisLossSchema, totalVariationL1, totalVariationL2 } from '../src';

useCpuBackend();

/** Central finite difference of f at a few coordinates of x, against tf.grad. */
function checkGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, coords: number[], eps = 1e-2, digits = 2): void {
  const g = tf.grad(f)(x).dataSync();
  const flat = x.dataSync();
  for (const i of coords) {
    const plus = Float32Array.from(flat);
    const minus = Float32Array.from(flat);
    plus[i] += eps;
    minus[i] -= eps;
    const fd = (f(tf.tensor(plus, x.shape)).dataSync()[0]! - f(tf.tensor(minus, x.shape)).dataSync()[0]!) / (2 * eps);
    expect(g[i]).toBeCloseTo(fd, digits);
  }
}

const rng = Rng.fromSeed(11);
const images = tf.tensor4d(Float32Array.from(rng.normals(2 * 3 * 4 * 2)), [2, 3, 4, 2]);

describe('image priors', () => {
  it('TV L2 is the sum of the Frobenius norms of the four neighbour differences (direct loop), with the right gradient', () => {
    const x = images.arraySync() as number[][][][];
    const dirs: Array<[number, number, number, number]> = [
      [0, 0, 0, 1], // x[:, :, j] - x[:, :, j+1]
      [0, 0, 1, 0],
      [1, 0, -1, 1], // x[:, i+1, j] - x[:, i, j+1]
      [0, 0, 1, 1],
    ];
    let expectedL2 = 0;
    let expectedL1 = 0;
    for (const [ai, aj, bi, bj] of dirs) {
      let sq = 0;
      let abs = 0;
      let count = 0;
      for (let n = 0; n < 2; n++)
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 4; j++)
            for (let c = 0; c < 2; c++) {
              const i1 = i + ai;
              const j1 = j + aj;
              const i2 = i + ai + bi;
              const j2 = j + aj + bj;
              if ([i1, i2].some((v) => v < 0 || v >= 3) || [j1, j2].some((v) => v < 0 || v >= 4)) continue;
              if (ai === 1 && i !== i1 - 1) continue;
              const d = x[n]![i1]![j1]![c]! - x[n]![i2]![j2]![c]!;
              sq += d * d;
              abs += Math.abs(d);
              count++;
            }
      expectedL2 += Math.sqrt(sq);
      expectedL1 += abs / count;
    }
    expect(totalVariationL2(images).dataSync()[0]).toBeCloseTo(expectedL2, 4);
    expect(totalVariationL1(images).dataSync()[0]).toBeCloseTo(expectedL1, 4);
    expect(totalVariationL2(tf.ones([1, 3, 3, 1])).dataSync()[0]).toBe(0);
    checkGradient((t) => totalVariationL2(t as tf.Tensor4D), images, [0, 7, 30]);
    checkGradient((t) => totalVariationL1(t as tf.Tensor4D), images, [1, 9, 40], 1e-3);
  });

  it('the L2 prior is the norm of the whole batch, with gradient x / ‖x‖', () => {
    const values = images.dataSync();
    const norm = Math.sqrt(Array.from(values).reduce((s, v) => s + v * v, 0));
    expect(l2Prior(images).dataSync()[0]).toBeCloseTo(norm, 4);
    const g = tf.grad((t) => l2Prior(t))(images).dataSync();
    [0, 5, 33].forEach((i) => expect(g[i]).toBeCloseTo(values[i]! / norm, 5));
  });
});

describe('BN feature-statistics term', () => {
  it('is Σ_l w_l (‖μ − μ_run‖ + ‖σ² − σ²_run‖) with the first layer weighted, gradient to the batch statistics only', () => {
    const stats = (mean: tf.Tensor1D, variance: tf.Tensor1D): BatchNormStats[] => [
      { layer: 'a', mean, variance, runningMean: tf.variable(tf.tensor1d([0, 0]), false), runningVariance: tf.variable(tf.tensor1d([1, 1]), false) },
      {
        layer: 'b',
        mean: tf.mul(mean, 2) as tf.Tensor1D,
        variance: tf.add(variance, 1) as tf.Tensor1D,
        runningMean: tf.variable(tf.tensor1d([1, 0]), false),
        runningVariance: tf.variable(tf.tensor1d([2, 2]), false),
      },
    ];
    const mean = tf.tensor1d([3, 4]);
    const variance = tf.tensor1d([1, 3]);
    // layer a: |(3,4)| + |(0,2)| = 5 + 2 = 7 (× 10); layer b: |(5,8)| + |(0,2)| = sqrt(89) + 2
    expect(bnFeatureLoss(stats(mean, variance), 10).dataSync()[0]).toBeCloseTo(70 + Math.sqrt(89) + 2, 4);
    checkGradient((m) => bnFeatureLoss(stats(m as tf.Tensor1D, variance), 10), mean, [0, 1], 1e-3);
    checkGradient((v) => bnFeatureLoss(stats(mean, v as tf.Tensor1D), 3), variance, [0, 1], 1e-3);
    expect(() => bnFeatureLoss([])).toThrow(/no BatchNorm/);
  });

  it('through a ResNet: matches the statistics computed directly, and its gradient w.r.t. the pixels matches finite differences', () => {
    const model = createResNet({ inputShape: [4, 4, 1], widths: [2], blocksPerStage: 1, numClasses: 3, seed: 4 });
    const x = tf.tensor4d(Float32Array.from(Rng.fromSeed(2).normals(5 * 16)), [5, 4, 4, 1]);
    const f = (t: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const { logits, stats } = model.forwardWithStats(t, false);
        logits.dispose();
        return bnFeatureLoss(stats, 2);
      });
    checkGradient(f, x, [0, 21, 66], 1e-2, 1);
    model.dispose();
  });
});

describe('ADI competition term', () => {
  const softmax = (row: number[], t: number): number[] => {
    const e = row.map((v) => Math.exp(v / t));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const kl = (p: number[], q: number[]): number => p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]!), 0);

  it('is 1 − JSD(p_T, p_S) with KL(p ‖ M) in the definition’s order (not the original code’s KL(M ‖ p))', () => {
    const t = [
      [2, 0, -1],
      [0.5, 0.5, 3],
    ];
    const s = [
      [-1, 1, 0],
      [0, 2, 0],
    ];
    const tau = 2;
    let jsd = 0;
    let reversed = 0;
    for (let i = 0; i < 2; i++) {
      const pt = softmax(t[i]!, tau);
      const ps = softmax(s[i]!, tau);
      const m = pt.map((v, k) => (v + ps[k]!) / 2);
      jsd += (0.5 * kl(pt, m) + 0.5 * kl(ps, m)) / 2;
      reversed += (0.5 * kl(m, pt) + 0.5 * kl(m, ps)) / 2;
    }
    const value = competitionLoss(tf.tensor2d(t), tf.tensor2d(s), tau).dataSync()[0]!;
    expect(value).toBeCloseTo(1 - jsd, 5);
    expect(Math.abs(value - (1 - reversed))).toBeGreaterThan(1e-3);
    expect(competitionLoss(tf.tensor2d(t), tf.tensor2d(t), tau).dataSync()[0]).toBeCloseTo(1, 6);
  });

  it('sends the gradient through both teacher and student logits (finite differences on each)', () => {
    const t = tf.tensor2d([
      [1, -1, 0.5],
      [0, 2, -2],
    ]);
    const s = tf.tensor2d([
      [0, 0.3, 1],
      [1, 1, 0],
    ]);
    checkGradient((x) => competitionLoss(x, s, 1.5), t, [0, 2, 4], 1e-3, 3);
    checkGradient((x) => competitionLoss(t, x, 1.5), s, [1, 3, 5], 1e-3, 3);
  });
});

describe('deepInversionLoss', () => {
  it('total = Σ weight · term, a zero weight leaves its term out, leaks nothing', () => {
    const teacher = createResNet({ inputShape: [4, 4, 1], widths: [2], blocksPerStage: 1, numClasses: 3, seed: 4 });
    const student = createResNet({ inputShape: [4, 4, 1], widths: [2], blocksPerStage: 1, numClasses: 3, seed: 9 });
    const x = tf.tensor4d(Float32Array.from(Rng.fromSeed(3).normals(3 * 16)), [3, 4, 4, 1]);
    const y = tf.tensor1d([0, 1, 2], 'int32');
    const weights = SynthesisLossSchema.parse({ ce: 0.5, feature: 2, firstLayerWeight: 3, tvL1: 0.1, tvL2: 0.01, l2: 0.001, competition: 0.7 });
    const before = tf.memory().numTensors;
    const terms = deepInversionLoss(x, y, teacher, weights, student);
    const v = (t: tf.Scalar | undefined): number => t!.dataSync()[0]!;
    const expected = 0.5 * v(terms.ce) + 2 * v(terms.feature) + 0.1 * v(terms.tvL1) + 0.01 * v(terms.tvL2) + 0.001 * v(terms.l2) + 0.7 * v(terms.competition);
    expect(v(terms.total)).toBeCloseTo(expected, 4);
    tf.dispose(Object.values(terms));
    expect(tf.memory().numTensors).toBe(before);
    const noFeature = deepInversionLoss(x, y, teacher, { ...weights, feature: 0, competition: 0 });
    expect(noFeature.feature).toBeUndefined();
    expect(noFeature.competition).toBeUndefined();
    tf.dispose(Object.values(noFeature));
    teacher.dispose();
    student.dispose();
  });
});
