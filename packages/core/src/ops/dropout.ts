import * as tf from '@tensorflow/tfjs';
import { hasKernel } from './has-kernel';
import { KT_KERNEL_NAMES } from './kernel-names';

/** Attributes of the KtDropout kernel. */
export interface DropoutAttrs {
  rate: number;
  /** uint32. */
  seed: number;
  /** float32(1 / (1 - rate)). */
  scale: number;
}

/** Chris Wellons' lowbias32 integer hash (uint32 -> uint32); @kt/native's KtDropout computes the same. */
function lowbias32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The dropout multipliers of `size` elements: scale where u_i = (lowbias32(lowbias32(seed) + i) >> 8) / 2^24 >= rate,
 * else 0. A counter-based draw: element i's decision depends on (seed, i) only, so a kernel computes it in place.
 */
export function dropoutMask(size: number, rate: number, seed: number, scale: number): Float32Array {
  const base = lowbias32(seed);
  const threshold = Math.fround(rate);
  const mask = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const u = (lowbias32(base + i) >>> 8) / 16777216;
    mask[i] = u >= threshold ? scale : 0;
  }
  return mask;
}

function attrsOf(rate: number, seed: number): DropoutAttrs {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`dropout: seed must be a uint32, got ${seed}`);
  return { rate, seed, scale: Math.fround(1 / (1 - rate)) };
}

/** {@link dropout} in plain tfjs ops: x times the mask of {@link dropoutMask}, drawn in JavaScript. */
export function dropoutComposite(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  const a = attrsOf(rate, seed);
  return tf.tidy(() => tf.mul(x, tf.tensor(dropoutMask(x.size, a.rate, a.seed, a.scale), x.shape, 'float32')));
}

/** The kernel forward and, on the gradient, the same kernel (same mask) on dy. */
function fused(a: DropoutAttrs): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    return {
      value: tf.engine().runKernel(KT_KERNEL_NAMES.dropout, { x }, { ...a }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor): tf.Tensor => tf.engine().runKernel(KT_KERNEL_NAMES.dropout, { x: dy }, { ...a }) as tf.Tensor,
    };
  }) as unknown as (x: tf.Tensor) => tf.Tensor;
}

/**
 * Inverted dropout: each element of float32 x is kept with probability 1 - rate and scaled by 1 / (1 - rate), else
 * zeroed. The mask is a function of (seed, element index) only ({@link dropoutMask}), so the same seed gives the same
 * mask on every backend: where the backend has the KtDropout kernel it is computed in place (forward, and the same
 * mask on the gradient), elsewhere {@link dropoutComposite} draws it in JavaScript. rate 0 returns x.
 */
export function dropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  const a = attrsOf(rate, seed);
  if (rate === 0) return x;
  if (x.dtype !== 'float32' || !hasKernel(KT_KERNEL_NAMES.dropout)) return dropoutComposite(x, rate, seed);
  return fused(a)(x);
}
