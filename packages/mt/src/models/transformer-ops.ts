import * as tf from '@tensorflow/tfjs';

/**
 * Sinusoidal position table [maxLen, d]: PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(...).
 */
export function sinusoidalPositions(maxLen: number, d: number): tf.Tensor2D {
  const data = new Float32Array(maxLen * d);
  for (let p = 0; p < maxLen; p++) {
    for (let i = 0; i < d; i += 2) {
      const angle = p / Math.pow(10000, i / d);
      data[p * d + i] = Math.sin(angle);
      if (i + 1 < d) data[p * d + i + 1] = Math.cos(angle);
    }
  }
  return tf.tensor2d(data, [maxLen, d]);
}

/** Swaps the last two axes. */
function swapLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return tf.transpose(x, perm);
}

/**
 * `tf.matMul` (rank ≥ 2, equal batch dims) that never hands a transpose flag to the backend, forward or backward.
 * Measured on tfjs-backend-wasm 4.22 (2 cores): [640,256]x[256,4000] takes 86 ms plain but 1,219 ms with
 * transposeB and 1,284 ms with transposeA; an explicit tf.transpose + plain matMul takes 123 ms. tfjs's own
 * matMul gradient uses both flags, so training would hit the slow path too. Same results on the cpu backend.
 */
export function matMulNoFlags(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  const f = tf.customGrad((...args: unknown[]) => {
    const [x, y, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const lhs = transposeA ? swapLast(x) : x;
    const rhs = transposeB ? swapLast(y) : y;
    save([lhs, rhs]);
    return {
      value: tf.matMul(lhs, rhs),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]): tf.Tensor[] => {
        const g = Array.isArray(dy) ? dy[0] : dy;
        const [l, r] = saved;
        const dl = tf.matMul(g, swapLast(r)); // d lhs = dy · rhsᵀ
        const dr = tf.matMul(swapLast(l), g); // d rhs = lhsᵀ · dy
        return [transposeA ? swapLast(dl) : dl, transposeB ? swapLast(dr) : dr];
      },
    };
  });
  return f(a, b);
}

/** Affine map of a rank-2 input: x [N, in] · w [in, out] + b [out] (optionally ReLU). */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation?: 'relu'): tf.Tensor2D {
  const y = tf.add(matMulNoFlags(x, w), b);
  return (activation === 'relu' ? tf.relu(y) : y) as tf.Tensor2D;
}

/** Float mask (1 where `ids == padId`) of the same shape as ids. */
export function padMaskOf(ids: tf.Tensor, padId: number): tf.Tensor {
  return tf.cast(tf.equal(ids, padId), 'float32');
}
