import * as tf from '@tensorflow/tfjs';
import { symmetricEigen } from './jacobi-eigen';

/**
 * Σ_{i=1..k} σ²_{−i}(F): the sum of the k smallest squared singular values of F [b, d] (BSS's penalty), differentiable.
 *
 * tfjs has no SVD. The squared singular values of F are the eigenvalues of the Gram matrix of its smaller side,
 * G = F Fᵀ (b ≤ d) or Fᵀ F (b > d; F Fᵀ would add b − d zero eigenvalues that are not singular values), computed by
 * `symmetricEigen` (Jacobi, float64). Gradient: for a simple eigenvalue λᵢ = uᵢᵀ F Fᵀ uᵢ with unit eigenvector uᵢ,
 * dλᵢ/dF = 2 uᵢ uᵢᵀ F (the uᵢ terms vanish since uᵢᵀ duᵢ = 0), so d/dF Σᵢ λᵢ = 2 U_k U_kᵀ F; for Fᵀ F with
 * eigenvectors vᵢ, 2 F V_k V_kᵀ. The sum is differentiable (and this gradient exact) whenever λ_k < λ_{k+1}: an
 * eigenvalue repeated inside the k smallest is fine, since U_k U_kᵀ is the projector on their space whichever basis
 * the solver returns; a tie across the k-th boundary has no gradient (the function has a kink there).
 */
export function smallestSingularValuesSquared(f: tf.Tensor2D, k: number): tf.Scalar {
  const [b, d] = f.shape;
  const m = Math.min(b, d);
  if (!Number.isInteger(k) || k < 1 || k > m) throw new RangeError(`k = ${k} must be in [1, ${m}] for a ${b}×${d} feature matrix`);
  const rowsSide = b <= d;
  // The input goes through `save` (the engine keeps a copy for the backward pass only while a tape records, and
  // disposes it after): read from the closure instead, it is disposed with the forward pass's intermediates before
  // the backward pass runs unless some other kernel happened to save it (plain wasm: a crash). The projector is plain numbers.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const features = args[0] as tf.Tensor2D;
    (args[1] as tf.GradSaveFunc)([features]);
    const gram = rowsSide ? tf.matMul(features, features, false, true) : tf.matMul(features, features, true, false);
    const eig = symmetricEigen(gram.dataSync(), m);
    gram.dispose();
    let sum = 0;
    const projector = new Float32Array(m * m);
    for (let i = 0; i < k; i++) {
      sum += eig.values[i]!;
      for (let r = 0; r < m; r++) {
        const ur = eig.vectors[r * m + i]!;
        for (let c = 0; c < m; c++) projector[r * m + c] += ur * eig.vectors[c * m + i]!;
      }
    }
    return {
      value: tf.scalar(sum) as tf.Scalar,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]): tf.Tensor =>
        tf.tidy(() => {
          const x = saved[0] as tf.Tensor2D;
          const p = tf.tensor2d(projector, [m, m]);
          const g = rowsSide ? tf.matMul(p, x) : tf.matMul(x, p);
          return tf.mul(tf.mul(g, 2), dy);
        }),
    };
  });
  return op(f) as tf.Scalar;
}
