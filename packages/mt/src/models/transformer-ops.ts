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

/**
 * Embedding lookup `table[ids]` ([V, D] x int32 [...ids] -> [...ids, D]) with a custom gradient.
 *
 * Why not plain `tf.gather`: its gradient is `UnsortedSegmentSum`, which the cpu backend implements as one
 * equal/multiply/sum pass per vocabulary row (O(V·N·D) plus V kernel launches): measured 43 s for one backward
 * pass at V=1000, D=256, N=640 (tools/bench/mt-decode README numbers), and the wasm backend of tfjs 4.22 has no
 * kernel at all. One-hot matmul works everywhere but costs a dense [N,V]x[V,D] product forward and backward
 * (~0.8 s forward at V=1000 on cpu). Here the forward is `tf.gather` (cheap on every backend) and the backward is
 * a scatter-add of the upstream gradient rows into a [V, D] buffer done in JS: O(N·D), backend independent
 * (cpu and wasm both read synchronously), exact (float32 sums in id order).
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const [vocab, dim] = table.shape;
  const idShape = ids.shape;
  const flatIds = ids.reshape([-1]) as tf.Tensor1D;
  const lookup = tf.customGrad((...args: unknown[]) => {
    const [e, i, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([i]);
    return {
      value: tf.gather(e, i),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]): tf.Tensor[] => {
        const upstream = Array.isArray(dy) ? dy[0] : dy;
        const idValues = saved[0].dataSync();
        const g = upstream.dataSync();
        const out = new Float32Array(vocab * dim);
        for (let n = 0; n < idValues.length; n++) {
          const row = idValues[n] * dim;
          const src = n * dim;
          for (let d = 0; d < dim; d++) out[row + d] += g[src + d];
        }
        return [tf.tensor2d(out, [vocab, dim]), tf.zerosLike(saved[0])];
      },
    };
  });
  const flat = lookup(table, flatIds);
  return flat.reshape([...idShape, dim]);
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
