import * as tf from '@tensorflow/tfjs';
import { gelu, geluComposite, layerNorm, layerNormComposite } from '@kt/core';
import { adamUpdate } from '../src';
import { describeNative, expectFusedMatchesCpu, fusedKernelsActive, maxRelErr, registerNativeKernels, seeded, unregisterNativeKernels } from './helpers';

describeNative('fused GELU and LayerNorm kernels (KtGelu, KtLayerNorm and their gradients)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerNativeKernels({ threads: 2 });
  });
  afterAll(() => unregisterNativeKernels());

  it('gelu values and gradient match the composite ops on cpu (large tensor, threaded, odd tail)', async () => {
    const run = (f: (t: tf.Tensor) => tf.Tensor) => (x?: tf.Tensor): tf.Tensor[] => {
      const y = tf.mul(x!, 5); // values well past the tanh polynomial's range
      const w = tf.cos(tf.mul(x!, 3)); // a non-trivial upstream gradient
      return [f(y), tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z), w)))(y)];
    };
    await expectFusedMatchesCpu([{ shape: [300, 517], seed: 61 }], run(gelu), run(geluComposite));
    await expectFusedMatchesCpu([{ shape: [7], seed: 62 }], run(gelu), run(geluComposite));
  });

  it('layerNorm values and gradients (x, gamma, beta) match the composite ops on cpu', async () => {
    const run =
      (f: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number) => tf.Tensor) =>
      (x?: tf.Tensor, g?: tf.Tensor, b?: tf.Tensor, w?: tf.Tensor): tf.Tensor[] => {
        const xs = tf.add(tf.mul(x!, 3), 0.5);
        const gs = tf.add(g!, 1);
        const loss = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Scalar => tf.sum(tf.mul(f(a, c, d, 1e-5), w!));
        return [f(xs, gs, b!, 1e-5), ...tf.grads(loss)([xs, gs, b!])];
      };
    const specs = [
      { shape: [8, 64, 128], seed: 63 },
      { shape: [128], seed: 64 },
      { shape: [128], seed: 65 },
      { shape: [8, 64, 128], seed: 66 },
    ];
    await expectFusedMatchesCpu(specs, run(layerNorm), run(layerNormComposite));
    const small = [
      { shape: [3, 5], seed: 67 },
      { shape: [5], seed: 68 },
      { shape: [5], seed: 69 },
      { shape: [3, 5], seed: 70 },
    ];
    await expectFusedMatchesCpu(small, run(layerNorm), run(layerNormComposite));
  });

  it('gelu and layerNorm use the composite ops when the kernels are not registered, and leak nothing', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(seeded(64, 71), [4, 16]);
    const g = tf.ones([16]);
    const b = tf.zeros([16]);
    const before = tf.memory().numTensors;
    const fused = tf.tidy(() => [gelu(x).dataSync(), layerNorm(x, g, b).dataSync(), tf.grad((z: tf.Tensor) => tf.sum(gelu(z)))(x).dataSync()]);
    expect(tf.memory().numTensors).toBe(before);
    unregisterNativeKernels();
    expect(fusedKernelsActive()).toBe(false);
    const plain = tf.tidy(() => [gelu(x).dataSync(), layerNorm(x, g, b).dataSync(), tf.grad((z: tf.Tensor) => tf.sum(gelu(z)))(x).dataSync()]);
    registerNativeKernels({ threads: 2 });
    fused.forEach((f, i) => expect(maxRelErr(f as Float32Array, plain[i] as Float32Array)).toBeLessThan(1e-5));
    tf.dispose([x, g, b]);
  });
});

describeNative('native adamUpdate', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerNativeKernels({ threads: 2 });
  });
  afterAll(() => unregisterNativeKernels());

  /** tfjs's Adam formula in float32 ops. */
  function reference(value: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, lr: number, acc1: number, acc2: number): tf.Tensor[] {
    return tf.tidy(() => {
      const m2 = tf.add(tf.mul(m, 0.9), tf.mul(g, 1 - 0.9));
      const v2 = tf.add(tf.mul(v, 0.999), tf.mul(tf.square(g), 1 - 0.999));
      const mh = tf.div(m2, tf.sub(1, tf.scalar(acc1)));
      const vh = tf.div(v2, tf.sub(1, tf.scalar(acc2)));
      return [tf.add(tf.mul(tf.div(mh, tf.add(tf.sqrt(vh), 1e-7)), -lr), value), m2, v2];
    });
  }

  it('updates variable, m and v in place like tfjs Adam, and copies on write when the data is shared', () => {
    const n = 300 * 257; // threaded, with a tail
    // Inside tidy the initial values are disposed, so each variable holds the only reference to its data.
    const value = tf.tidy(() => tf.variable(tf.tensor(seeded(n, 81))));
    const m = tf.tidy(() => tf.variable(tf.mul(tf.tensor(seeded(n, 82)), 0.01)));
    const v = tf.tidy(() => tf.variable(tf.abs(tf.mul(tf.tensor(seeded(n, 83)), 0.001))));
    const g = tf.tensor(seeded(n, 84));
    const [ev, em, evv] = reference(value, m, v, g, 0.01, Math.fround(0.9 ** 3), Math.fround(0.999 ** 3));
    const valueId = value.dataId;
    const snapshot = tf.clone(m); // shares m's data: m must be written elsewhere
    const before = tf.memory().numTensors;
    const u = { variable: value, m, v, grad: g, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    expect(adamUpdate({ ...u, accBeta1: 0.9 ** 3, accBeta2: 0.999 ** 3 })).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(value.dataId).toBe(valueId); // in place
    expect(maxRelErr(value.dataSync() as Float32Array, ev!.dataSync() as Float32Array)).toBeLessThan(1e-6);
    expect(maxRelErr(m.dataSync() as Float32Array, em!.dataSync() as Float32Array)).toBeLessThan(1e-6);
    expect(maxRelErr(v.dataSync() as Float32Array, evv!.dataSync() as Float32Array)).toBeLessThan(1e-6);
    expect(m.dataId).not.toBe(snapshot.dataId);
    const m0 = tf.tidy(() => tf.mul(tf.tensor(seeded(n, 82)), 0.01).dataSync() as Float32Array);
    expect(maxRelErr(snapshot.dataSync() as Float32Array, m0)).toBe(0);
    tf.dispose([value, m, v, g, ev!, em!, evv!, snapshot]);
  });

  it('declines (returns false, changes nothing) on cpu, for other dtypes or sizes', async () => {
    const base = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, accBeta1: 0.9, accBeta2: 0.999 };
    const a = tf.variable(tf.ones([4]));
    const m = tf.variable(tf.zeros([4]));
    const v = tf.variable(tf.zeros([4]));
    expect(adamUpdate({ ...base, variable: a, m, v, grad: tf.ones([5]) })).toBe(false);
    expect(adamUpdate({ ...base, variable: a, m, v, grad: tf.ones([4], 'int32') })).toBe(false);
    expect(Array.from(a.dataSync())).toEqual([1, 1, 1, 1]);
    tf.dispose([a, m, v]);
    await tf.setBackend('cpu');
    const c = tf.variable(tf.ones([4]));
    const cm = tf.variable(tf.zeros([4]));
    const cv = tf.variable(tf.zeros([4]));
    expect(adamUpdate({ ...base, variable: c, m: cm, v: cv, grad: tf.ones([4]) })).toBe(false);
    tf.dispose([c, cm, cv]);
    await tf.setBackend('wasm');
  });
});
