import * as tf from '@tensorflow/tfjs';

/**
 * 1-N scoring for a score with no matrix-product form (L1 distances, RotatE's complex moduli): `pair`
 * of every query with every entity by broadcasting [B, 1, D] against [1, C, D], in entity chunks so
 * that one chunk holds at most `budget` floats.
 */
export function broadcastAll(q: tf.Tensor2D, entities: tf.Tensor2D, pair: (q: tf.Tensor, e: tf.Tensor) => tf.Tensor, budget = 1 << 23): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, d] = q.shape;
    const n = entities.shape[0];
    const chunk = Math.max(1, Math.min(n, Math.floor(budget / Math.max(1, b * d))));
    const q3 = tf.expandDims(q, 1);
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      const e = tf.expandDims(tf.slice(entities, [start, 0], [size, d]), 0);
      parts.push(pair(q3, e) as tf.Tensor2D);
    }
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
  });
}
