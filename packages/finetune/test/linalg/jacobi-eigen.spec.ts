import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '@kt/core/testing';
import { smallestSingularValuesSquared, symmetricEigen } from '../../src';
import { expectGradientMatches, seeded } from '../helpers/finite-difference';

useCpuBackend();

/** ‖V diag(λ) Vᵀ − A‖_max and ‖VᵀV − I‖_max. */
function residuals(a: number[], n: number): { reconstruction: number; orthogonality: number } {
  const { values, vectors } = symmetricEigen(a, n);
  let reconstruction = 0;
  let orthogonality = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let r = 0;
      let o = 0;
      for (let k = 0; k < n; k++) {
        r += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
        o += vectors[k * n + i]! * vectors[k * n + j]!;
      }
      reconstruction = Math.max(reconstruction, Math.abs(r - a[i * n + j]!));
      orthogonality = Math.max(orthogonality, Math.abs(o - (i === j ? 1 : 0)));
    }
  }
  return { reconstruction, orthogonality };
}

/** A random symmetric n×n matrix M + Mᵀ. */
function randomSymmetric(n: number, seed: number): number[] {
  const t = seeded([n, n], seed);
  const m = Array.from(t.dataSync());
  t.dispose();
  return Array.from({ length: n * n }, (_, k) => m[k]! + m[(k % n) * n + Math.floor(k / n)]!);
}

describe('symmetricEigen (Jacobi)', () => {
  it('finds the eigenvalues of known matrices, ascending, with unit eigenvectors', () => {
    // [[2, 1], [1, 2]]: eigenvalues 1 and 3, eigenvectors (1, −1)/√2 and (1, 1)/√2.
    const e = symmetricEigen([2, 1, 1, 2], 2);
    expect(Array.from(e.values)).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)]);
    expect(Math.abs(e.vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(e.vectors[0]! * e.vectors[2]!).toBeCloseTo(-0.5, 12); // first vector ∝ (1, −1)
    // A diagonal matrix is already diagonal: no sweep.
    const d = symmetricEigen([5, 0, 0, 0, -1, 0, 0, 0, 2], 3);
    expect(Array.from(d.values)).toEqual([-1, 2, 5]);
    expect(d.sweeps).toBe(0);
    // The 1-D Laplacian tridiag(−1, 2, −1) of size 6: λ_k = 2 − 2cos(kπ/7).
    const n = 6;
    const lap = Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 2 : Math.abs(Math.floor(k / n) - (k % n)) === 1 ? -1 : 0));
    const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
    symmetricEigen(lap, n).values.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 12));
  });

  it('reconstructs random symmetric matrices with orthonormal eigenvectors', () => {
    for (const n of [1, 3, 8, 20]) {
      const { reconstruction, orthogonality } = residuals(randomSymmetric(n, n + 7), n);
      expect(reconstruction).toBeLessThan(1e-10);
      expect(orthogonality).toBeLessThan(1e-10);
    }
  });

  it('handles repeated and near-repeated eigenvalues', () => {
    // The identity (every eigenvalue repeated) and a rank-one update of it (eigenvalue 1 repeated n − 1 times).
    expect(Array.from(symmetricEigen([1, 0, 0, 0, 1, 0, 0, 0, 1], 3).values)).toEqual([1, 1, 1]);
    const u = [1, 2, 2];
    const a = Array.from({ length: 9 }, (_, k) => (Math.floor(k / 3) === k % 3 ? 1 : 0) + u[Math.floor(k / 3)]! * u[k % 3]!);
    const e = symmetricEigen(a, 3);
    expect(e.values[0]).toBeCloseTo(1, 12);
    expect(e.values[1]).toBeCloseTo(1, 12);
    expect(e.values[2]).toBeCloseTo(10, 12);
    expect(residuals(a, 3).orthogonality).toBeLessThan(1e-12);
    // Eigenvalues 1 and 1 + 1e-9, rotated: still separated, still orthonormal.
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const l = [1, 1 + 1e-9];
    const b = [c * c * l[0]! + s * s * l[1]!, c * s * (l[1]! - l[0]!), c * s * (l[1]! - l[0]!), s * s * l[0]! + c * c * l[1]!];
    const eb = symmetricEigen(b, 2);
    expect(eb.values[1]! - eb.values[0]!).toBeCloseTo(1e-9, 14);
    expect(residuals(b, 2).orthogonality).toBeLessThan(1e-12);
  });

  it('rejects asymmetric, non-finite and mis-sized input', () => {
    expect(() => symmetricEigen([1, 2, 3, 4], 2)).toThrow(/not symmetric at \(0, 1\)/);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(/entry \(0, 1\) is NaN/);
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/3 values for a 2×2 matrix/);
  });
});

describe('smallestSingularValuesSquared (BSS)', () => {
  it('its gradient does not need the input to outlive the forward pass (an intermediate of the loss, as in training)', () => {
    // Regression: the gradient read F from the closure; when F is an intermediate of the loss, tfjs disposes it after
    // the forward pass, and the backward pass crashed on plain wasm (where no other kernel happened to save it).
    const x = tf.tensor2d([
      [1, 2, 0, 1],
      [0, 1, 3, 1],
    ]);
    const g = tf.grad((a: tf.Tensor) => smallestSingularValuesSquared(tf.mul(a, 2) as tf.Tensor2D, 1))(x);
    const viaInput = tf.grad((a: tf.Tensor) => smallestSingularValuesSquared(a as tf.Tensor2D, 1))(tf.mul(x, 2));
    // d/dx f(2x) = 2 f'(2x)
    const expected = Array.from(viaInput.dataSync()).map((v) => 2 * v);
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
    expect(Math.max(...Array.from(g.dataSync()).map(Math.abs))).toBeGreaterThan(0.1);
    tf.dispose([x, g, viaInput]);
  });

  it('is the sum of the k smallest squared singular values', () => {
    tf.tidy(() => {
      const f = tf.tensor2d([
        [3, 0, 0],
        [0, 1, 0],
      ]);
      expect(smallestSingularValuesSquared(f, 1).dataSync()[0]).toBeCloseTo(1, 5);
      expect(smallestSingularValuesSquared(f, 2).dataSync()[0]).toBeCloseTo(10, 5);
      // More rows than columns: the Gram matrix of the columns (F Fᵀ would add zero eigenvalues that are not σ²).
      const tall = tf.tensor2d([
        [2, 0],
        [0, 1],
        [0, 1],
      ]);
      expect(smallestSingularValuesSquared(tall, 1).dataSync()[0]).toBeCloseTo(2, 5);
      // Against the eigenvalues of FᵀF computed independently for a random matrix: σ² sum = trace for k = all.
      const r = seeded([4, 6], 3) as tf.Tensor2D;
      expect(smallestSingularValuesSquared(r, 4).dataSync()[0]).toBeCloseTo(tf.sum(tf.square(r)).dataSync()[0]!, 4);
    });
  });

  it('has the gradient 2 U_k U_kᵀ F: exact on a known matrix and equal to finite differences', () => {
    tf.tidy(() => {
      const f = tf.tensor2d([
        [3, 0, 0],
        [0, 1, 0],
      ]);
      const g = tf.grad((x: tf.Tensor) => smallestSingularValuesSquared(x as tf.Tensor2D, 1))(f);
      expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 0, 2, 0]);
    });
    for (const [shape, k] of [
      [[4, 6], 1],
      [[4, 6], 2],
      [[5, 3], 1],
      [[6, 3], 2],
    ] as const) {
      const x = seeded([...shape], shape[0] * 10 + k);
      expectGradientMatches((v) => smallestSingularValuesSquared(v as tf.Tensor2D, k), x, 2e-2, 1e-3);
      x.dispose();
    }
  });

  it('is differentiable through near-degenerate singular values inside the k smallest', () => {
    // σ = 1, 1.001, 3 (rows of an orthogonal-times-diagonal matrix): k = 2 covers the nearly repeated pair, whose
    // projector is well defined even though each eigenvector alone is not.
    const theta = 0.4;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    const base = [
      [1 * c, 1 * s, 0, 0],
      [-1.001 * s, 1.001 * c, 0, 0],
      [0, 0, 3, 0],
    ];
    const x = tf.tensor2d(base);
    expectGradientMatches((v) => smallestSingularValuesSquared(v as tf.Tensor2D, 2), x, 2e-2, 1e-3);
    // Exactly repeated: F with σ = 2, 2, 5 — the sum over both repeated values has gradient 2F on their rows.
    const rep = tf.tensor2d([
      [2, 0, 0],
      [0, 2, 0],
      [0, 0, 5],
    ]);
    const g = tf.tidy(() => tf.grad((v: tf.Tensor) => smallestSingularValuesSquared(v as tf.Tensor2D, 2))(rep).arraySync() as number[][]);
    expect(g[0]!.map((v) => Number(v.toFixed(5)))).toEqual([4, 0, 0]);
    expect(g[1]!.map((v) => Number(v.toFixed(5)))).toEqual([0, 4, 0]);
    expect(g[2]!.map((v) => Number(v.toFixed(5)))).toEqual([0, 0, 0]);
    tf.dispose([x, rep]);
  });

  it('rejects k outside [1, min(b, d)] and leaks no tensors', () => {
    const f = seeded([3, 5], 1) as tf.Tensor2D;
    expect(() => smallestSingularValuesSquared(f, 4)).toThrow(/k = 4 must be in \[1, 3\] for a 3×5 feature matrix/);
    const step = (): void =>
      tf.tidy(() => {
        tf.grad((v: tf.Tensor) => smallestSingularValuesSquared(v as tf.Tensor2D, 2))(f);
      });
    step(); // tfjs caches a constant on its first gradient
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    f.dispose();
  });
});
