import * as tf from '@tensorflow/tfjs';
import { loadAddon } from '../src';
import { tileInto } from '../src/kernels/elementwise-kernels';
import { stridedCopyPlan, transposePlan } from '../src/kernels/geometry';
import { describeNative, expectMatchesCpu, registerNativeKernels, unregisterNativeKernels } from './helpers';

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

describe('stridedCopyPlan', () => {
  it('drops size-1 dims, merges dims contiguous in both operands and copies the inner run at once', () => {
    // Column block [512, 128] of [512, 384]: 512 rows of 128.
    expect(stridedCopyPlan([512, 128], [384, 1], [128, 1], 128, 0)).toEqual({ xOffset: 128, outOffset: 0, geometry: Int32Array.from([1, 512, 384, 128, 128]) });
    // Whole rows: one run.
    expect(stridedCopyPlan([3, 1, 5, 4], [20, 20, 4, 1], [20, 20, 4, 1], 40, 0)?.geometry).toEqual(Int32Array.from([0, 60]));
    // Pad's interior: x contiguous, out strided.
    expect(stridedCopyPlan([3, 4], [4, 1], [9, 1], 0, 10)?.geometry).toEqual(Int32Array.from([1, 3, 4, 9, 4]));
  });
});

describeNative('native Slice / PadV2 safety', () => {
  it('the addon rejects a geometry that reads or writes past a buffer instead of crashing', () => {
    const { addon } = loadAddon();
    const x = new Float32Array(10);
    const out = new Float32Array(10);
    expect(() => addon!.stridedCopy(x, out, Int32Array.from([1, 3, 4, 3, 4]))).toThrow(/stridedCopy: buffers do not match/);
    expect(() => addon!.stridedCopy(x, out, Int32Array.from([1, 2, 4, 3]))).toThrow(/stridedCopy: bad geometry/);
  });

  it('int32 slices and pads use the previous kernels', async () => {
    await tf.setBackend('wasm');
    registerNativeKernels({ threads: 2 });
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    expect(Array.from(tf.slice(x, [0, 1], [2, 2]).dataSync())).toEqual([2, 3, 5, 6]);
    expect(Array.from(tf.pad(x, [[0, 0], [1, 0]], 7).dataSync())).toEqual([7, 1, 2, 3, 7, 4, 5, 6]);
    x.dispose();
    unregisterNativeKernels();
  });
});

describeNative('native GatherV2 / Max', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerNativeKernels({ threads: 2 });
  });
  afterAll(() => unregisterNativeKernels());

  it('GatherV2 names an out-of-range index instead of reading past the table', () => {
    const table = tf.zeros([5, 8]);
    const ids = tf.tensor1d([1, 5], 'int32');
    expect(() => tf.gather(table, ids)).toThrow(/GatherV2: the index value 5 is not in \[0, 4\]/);
    tf.dispose([table, ids]);
  });

  it('Max propagates NaN like the cpu backend, and int32 uses the previous kernel', () => {
    const x = tf.tensor2d([1, NaN, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], [2, 10]);
    expect(Array.from(tf.max(x, -1).dataSync())).toEqual([NaN, 20]);
    const xi = tf.tensor2d([1, 9, 3, 4], [2, 2], 'int32');
    expect(Array.from(tf.max(xi, -1).dataSync())).toEqual([9, 4]);
    tf.dispose([x, xi]);
  });
});

describe('tileInto', () => {
  it('tiles every axis like tf.tile on cpu, for float, int and bool data', () => {
    const cases: Array<[number[], number[]]> = [
      [[2, 1, 3], [2, 5, 1]],
      [[3], [4]],
      [[2, 3], [1, 1]],
      [[1, 2, 1, 2], [3, 1, 2, 2]],
      [[2, 2], [0, 3]],
    ];
    for (const [shape, reps] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => i + 1);
      const expected = tf.tidy(() => Array.from(tf.tile(tf.tensor(values, shape, 'int32'), reps).dataSync()));
      const dst = new Int32Array(expected.length);
      tileInto(Int32Array.from(values), dst, shape, reps);
      expect(Array.from(dst)).toEqual(expected);
      const bools = new Uint8Array(expected.length);
      tileInto(Uint8Array.from(values.map((v) => v % 2)), bools, shape, reps);
      expect(Array.from(bools)).toEqual(expected.map((v) => v % 2));
    }
  });
});
