import * as tf from '@tensorflow/tfjs';
import {
  initBackend,
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  WASM_TRAINING_KERNEL_NAMES,
  wasmTrainingKernelConfigs,
  wasmTrainingKernelsActive,
} from '../../src/runtime/backend';

beforeAll(async () => {
  await initBackend({ requested: 'wasm', native: false, log: () => undefined });
});

beforeEach(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
});

describe('wasm training kernels', () => {
  it('registers every kernel once, idempotently, and restores the previous ones', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(wasmTrainingKernelsActive()).toBe(true);
    expect([...WASM_TRAINING_KERNEL_NAMES].sort()).toEqual(
      [
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'MaxPoolGrad',
        'OneHot',
        'UnsortedSegmentSum',
      ].sort(),
    );

    unregisterWasmTrainingKernels();
    for (const config of wasmTrainingKernelConfigs) {
      expect(tf.getKernel(config.kernelName, 'wasm')).not.toBe(config);
    }
    // The four missing kernels are missing again; the built-in MaxPoolGrad and Conv2DBackpropInput are back.
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBeDefined();
    registerWasmTrainingKernels();
    expect(wasmTrainingKernelsActive()).toBe(true);
  });

  it('routes the max-pool gradient of an all-negative window to its maximum', () => {
    const x = tf.tensor4d([-3, -1, -2, -4], [1, 2, 2, 1]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid')))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 1, 0, 0]);
    tf.dispose([x, g]);
  });

  it('unsortedSegmentSum sums rows per id, drops out-of-range ids and accepts rank-2 ids', () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]);
    const ids = tf.tensor2d([2, 0, 2, 7, -1, 0], [2, 3], 'int32');
    const out = tf.unsortedSegmentSum(x, ids as unknown as tf.Tensor1D, 3);
    expect(out.shape).toEqual([3, 2]);
    expect(Array.from(out.dataSync())).toEqual([3 + 11, 4 + 12, 0, 0, 1 + 5, 2 + 6]);
    const xi = tf.tensor1d([5, 6, 7], 'int32');
    const outI = tf.unsortedSegmentSum(xi, tf.tensor1d([1, 1, 0], 'int32'), 2);
    expect(outI.dtype).toBe('int32');
    expect(Array.from(outI.dataSync())).toEqual([7, 11]);
    tf.dispose([x, ids, out, xi, outI]);
  });

  it('the embedding gradient (gather) is a segment sum over repeated ids', () => {
    const table = tf.zeros([5, 2]);
    const ids = tf.tensor1d([4, 1, 4, 4], 'int32');
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, ids)))(table);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 3, 3]);
    tf.dispose([table, ids, g]);
  });

  it('conv2d filter gradient equals a hand-computed sum', () => {
    // x = 1..9 in a 3x3 image, 2x2 filter, valid, stride 1, dy = 1: dW[i,j] = sum of the 2x2 block at (i,j).
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const w = tf.zeros([2, 2, 1, 1]) as tf.Tensor4D;
    const g = tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'valid')))(w);
    expect(Array.from(g.dataSync())).toEqual([1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9]);
    tf.dispose([x, w, g]);
  });

  it('does not grow tensor or wasm-memory counts across repeated kernel calls', () => {
    const x = tf.randomNormal([2, 8, 8, 4]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 4, 6]) as tf.Tensor4D;
    const dw = tf.randomNormal([3, 3, 4, 2]) as tf.Tensor4D;
    const table = tf.randomNormal([50, 8]);
    const ids = tf.tensor1d([1, 7, 7, 49, 0, 3], 'int32');
    const step = (): void => {
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, t: tf.Tensor) =>
        tf.addN([
          tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')),
          tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 1, 'same')),
          tf.sum(tf.maxPool(a as tf.Tensor4D, 3, 2, 'same')),
          tf.sum(tf.gather(t, ids)),
        ]),
      )([x, w, dw, table]);
      tf.dispose(grads);
    };
    step();
    const backend = tf.backend();
    const tensorsBefore = tf.memory().numTensors;
    const dataBefore = backend.numDataIds();
    for (let i = 0; i < 5; i++) {
      step();
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(backend.numDataIds()).toBe(dataBefore);
    tf.dispose([x, w, dw, table, ids]);
  });
});
