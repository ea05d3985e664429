import * as tf from '@tensorflow/tfjs';

/**
 * Central finite differences of the scalar function `f` at `x` (float32 tensors, so `eps` is not tiny): the
 * numerical gradient, same shape as `x`.
 */
export function numericGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps = 1e-2): Float32Array {
  const base = Float32Array.from(x.dataSync());
  const out = new Float32Array(base.length);
  const at = (values: Float32Array): number => tf.tidy(() => f(tf.tensor(values, x.shape)).dataSync()[0]!);
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice();
    const minus = base.slice();
    plus[i] = plus[i]! + eps;
    minus[i] = minus[i]! - eps;
    out[i] = (at(plus) - at(minus)) / (2 * eps);
  }
  return out;
}

/** The analytic gradient of `f` at `x` (tf.grad). */
export function analyticGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor): Float32Array {
  return tf.tidy(() => tf.grad(f)(x).dataSync() as Float32Array);
}

/** Expects tf.grad of `f` at `x` to match finite differences within `tol` (absolute, plus `tol` relative to the largest entry). */
export function expectGradientMatches(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, tol = 2e-2, eps = 1e-2): void {
  const analytic = analyticGradient(f, x);
  const numeric = numericGradient(f, x, eps);
  const scale = Math.max(1, ...Array.from(numeric, Math.abs));
  for (let i = 0; i < analytic.length; i++) {
    if (Math.abs(analytic[i]! - numeric[i]!) > tol * scale) {
      throw new Error(`gradient entry ${i}: analytic ${analytic[i]} vs finite differences ${numeric[i]} (tolerance ${tol * scale})\nanalytic ${Array.from(analytic).join(', ')}\nnumeric ${Array.from(numeric).join(', ')}`);
    }
  }
}

/** A seeded pseudo-random tensor (a fixed linear congruential stream, values in [−1, 1)). */
export function seeded(shape: number[], seed: number): tf.Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 31 - 1;
  }
  return tf.tensor(v, shape);
}
