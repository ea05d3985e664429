import * as tf from '@tensorflow/tfjs';
import { registerNativeKernels, unregisterNativeKernels } from '../src';
import { transposePlan } from '../src/kernels/geometry';
import { describeNative, expectMatchesCpu } from './helpers';

describe('transposePlan', () => {
  it('merges adjacent dims, drops size-1 dims and picks copy / rows / swap', () => {
    expect(transposePlan([2, 3, 4], [0, 1, 2])).toEqual({ kind: 'copy' });
    expect(transposePlan([1, 5, 1], [2, 1, 0])).toEqual({ kind: 'copy' });
    expect(transposePlan([640, 6000], [1, 0])).toEqual({ kind: 'swap', batch: 1, rows: 640, cols: 6000 });
    expect(transposePlan([8, 4, 64, 32], [0, 1, 3, 2])).toEqual({ kind: 'swap', batch: 32, rows: 64, cols: 32 });
    expect(transposePlan([2, 3, 5], [2, 0, 1])).toEqual({ kind: 'swap', batch: 1, rows: 6, cols: 5 });
    const rows = transposePlan([8, 64, 4, 32], [0, 2, 1, 3]);
    expect(rows).toEqual({ kind: 'rows', geometry: Int32Array.from([3, 8, 4, 64, 8192, 32, 128, 32]) });
    expect(transposePlan([2, 3, 4, 5], [3, 1, 0, 2])).toBeUndefined();
  });
});

describeNative('native Transpose', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerNativeKernels({ threads: 2 });
  });
  afterAll(() => unregisterNativeKernels());

  const CASES: Array<[number[], number[]]> = [
    [[300, 517], [1, 0]], // 2-D swap, threaded, ragged tiles
    [[8, 64, 4, 32], [0, 2, 1, 3]], // head split: row copies
    [[8, 4, 64, 32], [0, 2, 1, 3]], // head merge
    [[6, 33, 70], [0, 2, 1]], // batched swap
    [[2, 3, 5], [2, 0, 1]], // merged into one swap
    [[2, 1, 3, 1], [3, 2, 1, 0]], // size-1 dims
    [[2, 3, 4, 5], [3, 1, 0, 2]], // not planned: the previous kernel
    [[4, 5], [0, 1]], // identity
  ];

  it('values and gradients match cpu for row-copy, swap, identity and fallback permutations', async () => {
    for (const [shape, perm] of CASES) {
      await expectMatchesCpu([{ shape, seed: 91 }, { shape: perm.map((a) => shape[a]!), seed: 92 }], (x, w) => [
        tf.transpose(x!, perm),
        tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.transpose(z, perm), w!)))(x!),
      ]);
    }
  });

  it('int32 uses the previous kernel', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    expect(Array.from(tf.transpose(x).dataSync())).toEqual([1, 4, 2, 5, 3, 6]);
    x.dispose();
  });
});
