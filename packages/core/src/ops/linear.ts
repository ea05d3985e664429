import * as tf from '@tensorflow/tfjs';
import { activeKernels } from '../runtime/backend/kernel-layers';
import { NATIVE_KERNELS_OWNER } from '../runtime/backend/native-accelerator';

/** Whether the active backend's kernel `kernelName` is @kt/native's (which handles transpose flags and fused epilogues at full speed). */
function nativeKernelActive(kernelName: string): boolean {
  return tf.getBackend() === 'wasm' && activeKernels(NATIVE_KERNELS_OWNER).includes(kernelName);
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
        const g = Array.isArray(dy) ? dy[0]! : dy;
        const [l, r] = saved as [tf.Tensor, tf.Tensor];
        const dl = tf.matMul(g, swapLast(r)); // d lhs = dy · rhsᵀ
        const dr = tf.matMul(swapLast(l), g); // d rhs = lhsᵀ · dy
        return [transposeA ? swapLast(dl) : dl, transposeB ? swapLast(dr) : dr];
      },
    };
  }) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  return f(a, b);
}

/**
 * Matrix product with optional transposes. Where the backend's BatchMatMul is @kt/native's, the flags go to it
 * (its GEMM reads transposed operands directly, forward and in tfjs's gradient); elsewhere {@link matMulNoFlags},
 * which transposes explicitly (tfjs-wasm's own kernel is 14x slower with a flag). Same values either way.
 */
export function matMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  if ((transposeA || transposeB) && nativeKernelActive('BatchMatMul')) return tf.matMul(a, b, transposeA, transposeB);
  return matMulNoFlags(a, b, transposeA, transposeB);
}

/**
 * Affine map of a rank-2 input: x [N, in] · w [in, out] + b [out], optionally ReLU. Where the backend's
 * _FusedMatMul is @kt/native's one fused kernel (bias and activation in the GEMM's output pass; tfjs's gradient);
 * elsewhere matMul, add and relu (tfjs-wasm's own _FusedMatMul gets biased products wrong in some layouts).
 */
export function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, activation?: 'relu'): tf.Tensor {
  if (x.rank !== 2 || w.rank !== 2 || b.rank !== 1) {
    throw new Error(`linear: expected x [N, in], w [in, out], b [out], got [${x.shape}], [${w.shape}], [${b.shape}]`);
  }
  if (nativeKernelActive('_FusedMatMul')) {
    return tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation: activation ?? 'linear' });
  }
  const y = tf.add(matMulNoFlags(x, w), b);
  return activation === 'relu' ? tf.relu(y) : y;
}
