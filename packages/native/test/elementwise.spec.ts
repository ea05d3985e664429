import * as tf from '@tensorflow/tfjs';

import { describeNative, expectMatchesCpu, registerNativeKernels, unregisterNativeKernels } from './helpers';

describeNative('native elementwise kernels (Tanh, Exp, Sigmoid, Pow)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerNativeKernels({ threads: 2 });
  });
  afterAll(() => unregisterNativeKernels());

  // Large enough to be split over threads, with values well outside [-1, 1].
  const big = { shape: [128, 257], seed: 51 };

  it('tanh, exp, sigmoid values and gradients match cpu', async () => {
    await expectMatchesCpu([big], (x) => {
      const y = tf.mul(x!, 6);
      return [tf.tanh(y), tf.exp(y), tf.sigmoid(y), ...tf.grads((z: tf.Tensor) => tf.tanh(z).add(tf.sigmoid(z)).add(tf.exp(z)).sum())([y])];
    });
  });

  it('pow with scalar exponents (2, 3, 1, 0, -1.5) and elementwise exponents matches cpu', async () => {
    await expectMatchesCpu([big, { shape: [128, 257], seed: 52 }], (x, e) => {
      const pos = tf.add(tf.abs(x!), 0.1);
      return [
        tf.pow(x!, 2),
        tf.pow(x!, 3),
        tf.pow(x!, 1),
        tf.pow(x!, 0),
        tf.pow(pos, -1.5),
        tf.pow(pos, e!),
        tf.pow(x!, tf.scalar(3).reshape([1, 1])),
        ...tf.grads((z: tf.Tensor) => tf.pow(z, 3).sum())([x!]),
      ];
    });
  });

  it('pow with a broadcast exponent row falls back to the built-in kernel and still matches cpu', async () => {
    await expectMatchesCpu([{ shape: [4, 5], seed: 53 }, { shape: [5], seed: 54 }], (x, e) => tf.pow(tf.add(tf.abs(x!), 0.5), e!));
  });
});

describeNative('native Add / Sub / Multiply / RealDiv, Sum, Identity, Cast', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerNativeKernels({ threads: 2 });
  });
  afterAll(() => unregisterNativeKernels());

  const PAIRS: Array<[number[], number[]]> = [
    [[300, 500], [300, 500]],
    [[5, 1], [1, 7]],
    [[2, 1, 4, 3], [5, 1, 3]],
    [[4, 6], []],
    [[], [4, 6]],
    [[8, 64, 128], [128]],
    [[8, 64, 128], [8, 64, 1]],
    [[3, 1, 2], [1, 4, 1]],
    [[1, 1], [1]],
  ];
  for (const [sa, sb] of PAIRS) {
    it(`add/sub/mul/div [${sa}] with [${sb}]: values and gradients match cpu`, async () => {
      const before = tf.memory().numTensors;
      await expectMatchesCpu([{ shape: sa, seed: 61 }, { shape: sb, seed: 62 }], (a, b) => {
        const d = tf.add(tf.abs(b!), 0.5);
        const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.addN([tf.add(x, y), tf.sub(x, y), tf.mul(x, y), tf.div(x, tf.add(tf.abs(y), 0.5))]);
        return [tf.add(a!, b!), tf.sub(a!, b!), tf.mul(a!, b!), tf.div(a!, d), ...tf.grads((x: tf.Tensor, y: tf.Tensor) => f(x, y).square().sum())([a!, b!])];
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('division by zero and NaN follow IEEE like cpu', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor1d([1, -1, 0, NaN, 2]);
    const b = tf.tensor1d([0, 0, 0, 1, Infinity]);
    expect(Array.from(tf.div(a, b).dataSync())).toEqual([Infinity, -Infinity, NaN, NaN, 0]);
    tf.dispose([a, b]);
  });

  const SUMS: Array<[number[], number | number[] | undefined, boolean]> = [
    [[8, 16, 32], [0, 1], false],
    [[512, 300], -1, true],
    [[700, 200], 0, false],
    [[3, 4, 5], [0, 2], false],
    [[3, 1, 5, 2], [2, 1], true],
    [[6, 5], undefined, false],
    [[4, 7], [], false],
    [[2, 3, 4], 1, true],
  ];
  for (const [shape, axis, keepDims] of SUMS) {
    it(`sum of [${shape}] over ${JSON.stringify(axis)} keepDims=${keepDims}: values and gradients match cpu`, async () => {
      await expectMatchesCpu([{ shape, seed: 63 }], (x) => [
        tf.sum(x!, axis, keepDims),
        ...tf.grads((z: tf.Tensor) => tf.sum(z, axis, keepDims).square().sum())([x!]),
      ]);
    });
  }

  it('sum of int32 falls back to the previous kernel', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    const s = tf.sum(x, 0);
    expect(s.dtype).toBe('int32');
    expect(Array.from(s.dataSync())).toEqual([4, 6]);
    tf.dispose([x, s]);
  });

  it('Identity and same-dtype Cast share data without copies, keep values after the source is disposed, and leak nothing', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const buffersBefore = tf.memory().numDataBuffers;
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const c = tf.clone(x);
    const k = tf.cast(x, 'float32');
    const ints = tf.tensor1d([1, 2], 'int32');
    const i = tf.cast(ints, 'int32');
    // One data buffer for x, c and k, one for the int32 source and its cast.
    expect(tf.memory().numDataBuffers - buffersBefore).toBe(2);
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(k.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(i.dataSync())).toEqual([1, 2]);
    const floats = tf.tensor1d([1.7, -2.2]);
    const f = tf.cast(floats, 'int32');
    expect(Array.from(f.dataSync())).toEqual([1, -2]);
    tf.dispose([c, k, ints, i, floats, f]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('tanh, exp and sigmoid handle infinities, NaN, tiny and huge inputs like cpu', async () => {
    const vals = [0, -0, 1e-8, -3e-5, 0.3, 0.549, 0.551, -0.7, 5, -9.5, 20, 88, 88.8, -87, -103, -110, Infinity, -Infinity, NaN];
    const run = async (backend: string): Promise<number[][]> => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor1d(vals);
        return [tf.tanh(x), tf.exp(x), tf.sigmoid(x)].map((t) => Array.from(t.dataSync()));
      });
    };
    const ref = await run('cpu');
    const got = await run('wasm');
    for (let o = 0; o < ref.length; o++) {
      for (let i = 0; i < vals.length; i++) {
        const r = ref[o]![i]!;
        const g = got[o]![i]!;
        if (!Number.isFinite(r)) expect(g).toBe(r);
        else expect(Math.abs(g - r)).toBeLessThanOrEqual(2e-6 * Math.abs(r) + 1e-40);
      }
    }
  });
});
