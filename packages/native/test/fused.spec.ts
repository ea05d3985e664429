import * as tf from '@tensorflow/tfjs';
import { adamUpdate, adamUpdateComposite, gelu, geluComposite, layerNorm, layerNormComposite } from '@kt/core';
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

describeNative('KtAdam (core adamUpdate)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerNativeKernels({ threads: 2 });
  });
  afterAll(() => unregisterNativeKernels());

  const attrs = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, accBeta1: Math.fround(0.9 ** 3), accBeta2: Math.fround(0.999 ** 3) };

  it("gives tfjs Adam's step (the composite on cpu) in one kernel call, threaded with a tail, leaving the inputs unchanged", async () => {
    const n = 300 * 257;
    const make = (): tf.Tensor[] => [
      tf.tensor(seeded(n, 81)),
      tf.mul(tf.tensor(seeded(n, 82)), 0.01),
      tf.abs(tf.mul(tf.tensor(seeded(n, 83)), 0.001)),
      tf.tensor(seeded(n, 84)),
    ];
    await tf.setBackend('cpu');
    const cpuIns = make();
    const expected = adamUpdateComposite(cpuIns[0]!, cpuIns[1]!, cpuIns[2]!, cpuIns[3]!, attrs).map((t) => t.dataSync() as Float32Array);
    await tf.setBackend('wasm');
    const ins = make();
    const m0 = ins[1]!.dataSync().slice();
    const profile = await tf.profile(() => {
      const outs = adamUpdate(ins[0]!, ins[1]!, ins[2]!, ins[3]!, attrs);
      outs.forEach((o, i) => expect(maxRelErr(o.dataSync() as Float32Array, expected[i]!)).toBeLessThan(1e-6));
      tf.dispose(outs);
      return undefined;
    });
    expect(profile.kernelNames).toEqual(['KtAdam']);
    expect(Array.from(ins[1]!.dataSync())).toEqual(Array.from(m0));
    tf.dispose(ins);
  });

  it('rejects inputs of different sizes with a clear error', () => {
    const a = tf.ones([4]);
    expect(() => adamUpdate(a, a, a, tf.ones([5]), attrs)).toThrow(/differ in size/);
    a.dispose();
  });
});
