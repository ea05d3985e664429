import * as tf from '@tensorflow/tfjs';
import { Rng } from '@kt/core';
import { useCpuBackend } from '@kt/core/testing';
import { buildModel, createResNet, createVgg, type BatchNormParams, batchNorm } from '../../src/models';

useCpuBackend();

function params(channels: number, momentum = 0.1): BatchNormParams {
  const rng = Rng.fromSeed(3);
  return {
    name: 'bn',
    gamma: tf.variable(tf.tensor1d(rng.normals(channels))),
    beta: tf.variable(tf.tensor1d(rng.normals(channels))),
    runningMean: tf.variable(tf.tensor1d(rng.normals(channels)), false),
    runningVariance: tf.variable(tf.tensor1d(Array.from({ length: channels }, () => 0.5 + rng.next())), false),
    momentum,
    epsilon: 1e-5,
  };
}

/** Per-channel mean and biased variance computed directly, in float64. */
function direct(values: Float32Array, c: number): { mean: number[]; variance: number[] } {
  const count = values.length / c;
  const mean = new Array<number>(c).fill(0);
  const variance = new Array<number>(c).fill(0);
  values.forEach((v, i) => (mean[i % c] += v / count));
  values.forEach((v, i) => (variance[i % c] += (v - mean[i % c]!) ** 2 / count));
  return { mean, variance };
}

describe('batchNorm', () => {
  const shape: [number, number, number, number] = [4, 3, 5, 2];
  const values = Float32Array.from(Rng.fromSeed(1).normals(4 * 3 * 5 * 2, 2).map((v, i) => v + (i % 2)));

  it('training: normalises with the batch statistics, reports them, and moves the running statistics (unbiased variance)', () => {
    const p = params(2, 0.25);
    const rm0 = Array.from(p.runningMean.dataSync());
    const rv0 = Array.from(p.runningVariance.dataSync());
    const gamma = Array.from(p.gamma.dataSync());
    const beta = Array.from(p.beta.dataSync());
    const stats: Parameters<typeof batchNorm>[2]['stats'] = [];
    const out = tf.tidy(() => batchNorm(tf.tensor4d(values, shape), p, { training: true, stats }));
    const { mean, variance } = direct(values, 2);
    const y = out.dataSync();
    for (let i = 0; i < values.length; i++) {
      const k = i % 2;
      expect(y[i]).toBeCloseTo(((values[i]! - mean[k]!) / Math.sqrt(variance[k]! + 1e-5)) * gamma[k]! + beta[k]!, 4);
    }
    const count = values.length / 2;
    const rm = p.runningMean.dataSync();
    const rv = p.runningVariance.dataSync();
    for (let k = 0; k < 2; k++) {
      expect(rm[k]).toBeCloseTo(0.75 * rm0[k]! + 0.25 * mean[k]!, 5);
      expect(rv[k]).toBeCloseTo(0.75 * rv0[k]! + 0.25 * variance[k]! * (count / (count - 1)), 5);
    }
    expect(stats).toHaveLength(1);
    tf.dispose([out, p.gamma, p.beta, p.runningMean, p.runningVariance]);
  });

  it('eval: normalises with the running statistics, leaves them alone, still reports the batch statistics', () => {
    const p = params(2);
    const rm = Array.from(p.runningMean.dataSync());
    const rv = Array.from(p.runningVariance.dataSync());
    const gamma = Array.from(p.gamma.dataSync());
    const beta = Array.from(p.beta.dataSync());
    const stats: NonNullable<Parameters<typeof batchNorm>[2]['stats']> = [];
    const out = batchNorm(tf.tensor4d(values, shape), p, { training: false, stats });
    const y = out.dataSync();
    for (let i = 0; i < values.length; i++) {
      const k = i % 2;
      expect(y[i]).toBeCloseTo(((values[i]! - rm[k]!) / Math.sqrt(rv[k]! + 1e-5)) * gamma[k]! + beta[k]!, 4);
    }
    expect(Array.from(p.runningMean.dataSync())).toEqual(rm);
    const { mean, variance } = direct(values, 2);
    Array.from(stats[0]!.mean.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(mean[k]!, 5));
    Array.from(stats[0]!.variance.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(variance[k]!, 4));
  });
});

describe('ResNet and VGG', () => {
  it('ResNet: logits, one stats entry per BN layer matching a direct computation, running stats checkpointed but not trainable', () => {
    const model = createResNet({ inputShape: [8, 8, 1], widths: [4, 8], blocksPerStage: 1, numClasses: 3, seed: 2 });
    expect(model.batchNormLayers()).toEqual(['stem/bn', 'stage0/block0/bn1', 'stage0/block0/bn2', 'stage1/block0/bn1', 'stage1/block0/bn2', 'stage1/block0/shortcut/bn']);
    const names = model.weightNames();
    expect(names).toContain('stem/bn/runningMean');
    expect(model.trainableVariables().some((v) => v.name.includes('running'))).toBe(false);
    const trainable = model.trainableVariables().reduce((s, v) => s + v.size, 0);
    expect(model.parameterCount()).toBe(trainable);
    const x = tf.tensor4d(Float32Array.from(Rng.fromSeed(5).normals(6 * 64)), [6, 8, 8, 1]);
    const before = tf.memory().numTensors;
    const { logits, stats } = model.forwardWithStats(x, false);
    expect(logits.shape).toEqual([6, 3]);
    expect(stats.map((s) => s.layer)).toEqual(model.batchNormLayers());
    expect(stats[0]!.mean.shape).toEqual([4]);
    // the stem's BN input is conv(x): recompute it directly
    const kernel = model.getWeights();
    const conv = tf.conv2d(x, kernel.get('stem/conv/kernel') as tf.Tensor4D, 1, 'same');
    const { mean, variance } = direct(conv.dataSync() as Float32Array, 4);
    Array.from(stats[0]!.mean.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(mean[k]!, 4));
    Array.from(stats[0]!.variance.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(variance[k]!, 4));
    tf.dispose([conv, ...kernel.values()]);
    tf.dispose([logits, ...stats.flatMap((s) => [s.mean, s.variance])]);
    expect(tf.memory().numTensors).toBe(before);
    // training moves the running statistics; setWeights restores them
    const saved = model.getWeights();
    tf.dispose(model.forward(x, true));
    const moved = model.getWeights();
    expect(Array.from(moved.get('stem/bn/runningMean')!.dataSync())).not.toEqual(Array.from(saved.get('stem/bn/runningMean')!.dataSync()));
    model.setWeights(saved);
    const back = model.getWeights();
    expect(Array.from(back.get('stem/bn/runningMean')!.dataSync())).toEqual(Array.from(saved.get('stem/bn/runningMean')!.dataSync()));
    tf.dispose([...saved.values(), ...moved.values(), ...back.values(), x]);
    model.dispose();
  });

  it('VGG: shapes, BN layers, and buildModel specs for both', () => {
    const vgg = createVgg({ inputShape: [8, 8, 1], channels: [4, 8], convsPerBlock: 1, numClasses: 5, seed: 0 });
    expect(vgg.batchNormLayers()).toEqual(['block0/conv0/bn', 'block1/conv0/bn']);
    const out = tf.tidy(() => vgg.forward(tf.ones([2, 64]), true));
    expect(out.shape).toEqual([2, 5]);
    out.dispose();
    vgg.dispose();
    const plain = buildModel({ kind: 'vgg', channels: [4], batchNorm: false }, { inputShape: [8, 8, 1], numClasses: 2, seed: 0 });
    expect(plain.batchNormLayers()).toEqual([]);
    plain.dispose();
    const res = buildModel({ kind: 'resnet', widths: [4] }, { inputShape: [8, 8, 1], numClasses: 2, seed: 0 });
    expect(res.batchNormLayers()).toHaveLength(3);
    res.dispose();
  });

  it('the gradient of every BN layer\'s batch statistics w.r.t. the input matches finite differences', () => {
    const model = createResNet({ inputShape: [4, 4, 1], widths: [3], blocksPerStage: 1, numClasses: 2, seed: 1 });
    const rng = Rng.fromSeed(9);
    const x = tf.tensor4d(Float32Array.from(rng.normals(8 * 16)), [8, 4, 4, 1]);
    // gradient of a BN-statistics function of the input: d/dx sum(mean^2 + variance) of the first layer, eval mode
    const f = (input: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const { logits, stats } = model.forwardWithStats(input, false);
        logits.dispose();
        return tf.addN(stats.map((s) => tf.add(tf.sum(tf.square(s.mean)), tf.sum(s.variance)))) as tf.Scalar;
      });
    const g = tf.grad(f)(x);
    const eps = 1e-2;
    const flat = x.dataSync();
    for (const i of [0, 17, 40]) {
      const plus = Float32Array.from(flat);
      const minus = Float32Array.from(flat);
      plus[i] += eps;
      minus[i] -= eps;
      const fd = (f(tf.tensor4d(plus, x.shape)).dataSync()[0]! - f(tf.tensor4d(minus, x.shape)).dataSync()[0]!) / (2 * eps);
      expect(g.dataSync()[i]).toBeCloseTo(fd, 1);
    }
    model.dispose();
  });
});
