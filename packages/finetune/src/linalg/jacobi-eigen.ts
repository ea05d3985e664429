/** The eigen-decomposition A = V diag(λ) Vᵀ of a real symmetric matrix. */
export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  readonly values: Float64Array;
  /** Eigenvectors as columns, row-major [n, n]: vector i is (vectors[0·n + i], …, vectors[(n−1)·n + i]); unit length, orthogonal. */
  readonly vectors: Float64Array;
  /** Sweeps the iteration needed. */
  readonly sweeps: number;
}

const MAX_SWEEPS = 100;

/**
 * Eigenvalues and eigenvectors of the symmetric n×n matrix `a` (row-major; only its values are read, it is copied)
 * by the cyclic Jacobi method (Golub & Van Loan, Matrix Computations, §8.5): sweep over every off-diagonal pair (p, q),
 * rotating it to zero with the numerically stable choice t = sign(θ)/(|θ| + √(θ² + 1)), θ = (a_qq − a_pp)/(2 a_pq),
 * until the off-diagonal mass is below 1e-22 of the total (double precision). Converges quadratically; exact for
 * repeated eigenvalues (any orthonormal basis of their space). Throws on a non-square, non-finite or asymmetric input.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new RangeError(`symmetricEigen: ${a.length} values for a ${n}×${n} matrix`);
  const m = Float64Array.from(a);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = m[i * n + j]!;
      if (!Number.isFinite(v)) throw new RangeError(`symmetricEigen: entry (${i}, ${j}) is ${v}`);
      const d = Math.abs(v - m[j * n + i]!);
      if (d > 1e-6 * (Math.abs(v) + 1)) throw new RangeError(`symmetricEigen: the matrix is not symmetric at (${i}, ${j})`);
      total += v * v;
    }
  }
  // Symmetrise exactly (float32 products may differ in the last bit).
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = m[j * n + i] = 0.5 * (m[i * n + j]! + m[j * n + i]!);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const tolerance = 1e-22 * total;
  let sweeps = 0;
  for (; sweeps < MAX_SWEEPS; sweeps++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * m[p * n + q]! ** 2;
    if (off <= tolerance) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const theta = (m[q * n + q]! - m[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J with J the rotation in the (p, q) plane: columns, then rows.
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p]!;
          const akq = m[k * n + q]!;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k]!;
          const aqk = m[q * n + k]!;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        m[p * n + q] = m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i * n + i]! - m[j * n + j]!);
  const values = Float64Array.from(order, (i) => m[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors, sweeps };
}
