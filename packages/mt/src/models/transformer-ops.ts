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

/** Float mask (1 where `ids == padId`) of the same shape as ids. */
export function padMaskOf(ids: tf.Tensor, padId: number): tf.Tensor {
  return tf.cast(tf.equal(ids, padId), 'float32');
}
