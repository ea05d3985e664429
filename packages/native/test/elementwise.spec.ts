import * as tf from '@tensorflow/tfjs';
import { registerNativeKernels, unregisterNativeKernels } from '../src';
import { describeNative, expectMatchesCpu } from './helpers';

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
