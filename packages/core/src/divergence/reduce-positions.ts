import * as tf from '@tensorflow/tfjs';
import { REDUCTIONS, type Reduction } from './divergence-options';
import { conditionOf } from './stop-gradient';

/** Casts a mask to float32 after checking that its shape is `positionShape`. */
export function maskAsFloat(mask: tf.Tensor, positionShape: readonly number[], what: string): tf.Tensor {
  if (!tf.util.arraysEqual(mask.shape, positionShape as number[])) {
    throw new RangeError(`${what}: mask shape [${mask.shape.join(', ')}] must equal [${positionShape.join(', ')}]`);
  }
  return mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32');
}

/**
 * `perPosition · weights` where the weight is non-zero and exactly 0 where it is 0 (padding),
 * selected with `where`, so a NaN or ±∞ at a padded position never reaches the value or the gradient
 * (0·NaN would be NaN). Call inside `tf.tidy`.
 */
export function applyMask(perPosition: tf.Tensor, weights: tf.Tensor): tf.Tensor {
  const valid = conditionOf(weights, (w) => tf.notEqual(w, 0));
  const zeros = tf.zerosLike(perPosition);
  return tf.where(valid, tf.mul(tf.where(valid, perPosition, zeros), weights), zeros);
}

/**
 * Applies a mask and a reduction to a per-position tensor. Call inside `tf.tidy`. Masked positions
 * count exactly 0 (see {@link applyMask}).
 * `mean` divides by the number of valid positions (0 when there is none, never NaN);
 * `batchmean` by the size of axis 0 (1 for a rank-0 per-position tensor).
 */
export function reducePositions(
  perPosition: tf.Tensor,
  mask: tf.Tensor | undefined,
  reduction: Reduction,
  what: string,
): tf.Tensor {
  const weights = mask === undefined ? undefined : maskAsFloat(mask, perPosition.shape, what);
  const masked = weights === undefined ? perPosition : applyMask(perPosition, weights);
  switch (reduction) {
    case 'none':
      return masked;
    case 'sum':
      return tf.sum(masked);
    case 'mean': {
      if (weights === undefined) return tf.div(tf.sum(masked), Math.max(perPosition.size, 1));
      // Not tf.divNoNan: its gradient path goes through `Equal`, which has no gradient in tfjs.
      // With no valid position the sum is 0, and 0 / tiny = 0.
      return tf.div(tf.sum(masked), tf.maximum(tf.sum(weights), 1e-30));
    }
    case 'batchmean':
      return tf.div(tf.sum(masked), perPosition.rank === 0 ? 1 : perPosition.shape[0]);
    default:
      throw new RangeError(`${what}: unknown reduction '${String(reduction)}' (known: ${REDUCTIONS.join(', ')})`);
  }
}
