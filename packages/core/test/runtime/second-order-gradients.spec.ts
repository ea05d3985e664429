import * as tf from '@tensorflow/tfjs';
import { registerSecondOrderGradients } from '../../src/runtime/second-order-gradients';
import { Rng } from '../../src/runtime/rng';

/**
 * The gradients core registers for backward-pass kernels (Conv2DBackpropFilter, MaxPoolGrad), checked by
 * differentiating a first gradient again and comparing with a central finite difference. Each S below is
 * linear in the differentiated input, so the finite difference is exact up to float32 rounding.
 */
beforeAll(async () => {
  await tf.setBackend('cpu');
  registerSecondOrderGradients();
});

const rng = Rng.fromSeed(77);
const normal = (shape: number[]): tf.Tensor => tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1)), shape);

function finiteDifference(S: (t: tf.Tensor) => tf.Scalar, at: tf.Tensor, direction: tf.Tensor, h = 1e-2): number {
  return tf.tidy(() => (S(tf.add(at, tf.mul(direction, h))).dataSync()[0]! - S(tf.sub(at, tf.mul(direction, h))).dataSync()[0]!) / (2 * h));
}

function directional(grad: tf.Tensor, direction: tf.Tensor): number {
  return tf.tidy(() => tf.sum(tf.mul(grad, direction)).dataSync()[0]!);
}

describe('second-order gradients core registers', () => {
  it.each([
    ['same', 1],
    ['valid', 2],
  ] as const)('Conv2DBackpropFilter (pad %s, stride %d): differentiable in x and in dy', (pad, stride) => {
    const x = normal([2, 6, 6, 3]);
    const W = normal([3, 3, 3, 4]);
    const outShape = tf.conv2d(x as tf.Tensor4D, W as tf.Tensor4D, stride, pad).shape;
    const c = normal(outShape);
    const G = normal([3, 3, 3, 4]);
    // ∇W sum(c ⊙ conv2d(x, W)) = Conv2DBackpropFilter(x, c); S = ⟨G, that⟩.
    const gradW = (xx: tf.Tensor, cc: tf.Tensor): tf.Tensor => tf.grad((w: tf.Tensor) => tf.sum(tf.mul(cc, tf.conv2d(xx as tf.Tensor4D, w as tf.Tensor4D, stride, pad))))(W);
    const Sx = (xx: tf.Tensor): tf.Scalar => tf.sum(tf.mul(G, gradW(xx, c)));
    const Sc = (cc: tf.Tensor): tf.Scalar => tf.sum(tf.mul(G, gradW(x, cc)));
    const u = normal(x.shape);
    const w = normal(c.shape);
    expect(directional(tf.grad(Sx)(x), u)).toBeCloseTo(finiteDifference(Sx, x, u), 2);
    expect(directional(tf.grad(Sc)(c), w)).toBeCloseTo(finiteDifference(Sc, c, w), 2);
  });

  it('MaxPoolGrad (2x2, stride 2, valid): differentiable in dy', () => {
    const x = normal([2, 6, 6, 3]);
    const c = normal([2, 3, 3, 3]);
    const G = normal(x.shape);
    const gradX = (cc: tf.Tensor): tf.Tensor => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(cc, tf.maxPool(xx as tf.Tensor4D, 2, 2, 'valid'))))(x);
    const S = (cc: tf.Tensor): tf.Scalar => tf.sum(tf.mul(G, gradX(cc)));
    const w = normal(c.shape);
    const got = directional(tf.grad(S)(c), w);
    expect(Math.abs(got)).toBeGreaterThan(1e-2);
    expect(got).toBeCloseTo(finiteDifference(S, c, w), 2);
  });

  it('MaxPoolGrad with overlapping windows refuses with a message naming the setting', () => {
    const x = normal([1, 5, 5, 1]);
    const c = normal([1, 2, 2, 1]);
    const S = (cc: tf.Tensor): tf.Scalar =>
      tf.sum(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(cc, tf.maxPool(xx as tf.Tensor4D, 3, 2, 'valid'))))(x));
    expect(() => tf.grad(S)(c)).toThrow(/non-overlapping windows.*filter 3x3, strides 2x2/);
  });
});
