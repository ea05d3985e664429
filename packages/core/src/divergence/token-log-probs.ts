import * as tf from '@tensorflow/tfjs';

/**
 * log p(token) for each position: log-softmax of `logits` [..., V] gathered at `tokens` [...] (int32),
 * returning shape [...] (e.g. [B, T, V] × [B, T] → [B, T]). Differentiable w.r.t. the logits.
 * Gathered by index (see {@link gatherLast}), not with a one-hot product: a −∞ logit at another entry
 * (vocabulary / top-k masking) would make 0·(−∞) = NaN.
 */
export function tokenLogProbs(logits: tf.Tensor, tokens: tf.Tensor): tf.Tensor {
  const positionShape = logits.shape.slice(0, -1);
  if (logits.rank < 1 || !tf.util.arraysEqual(tokens.shape, positionShape)) {
    throw new RangeError(
      `tokenLogProbs: tokens shape [${tokens.shape.join(', ')}] must equal logits shape without its last axis ` +
        `[${positionShape.join(', ')}]`,
    );
  }
  if (tokens.dtype !== 'int32') {
    throw new TypeError(`tokenLogProbs: tokens must be int32, got ${tokens.dtype}`);
  }
  return tf.tidy(() => gatherLast(tf.logSoftmax(tf.cast(logits, 'float32')), tokens));
}

/**
 * `values[..., index[...]]`: the entry of the last axis of `values` [..., V] named by `index` [...] (int32),
 * shape [...]. A gather on the flattened tensor, whose gradient is a scatter of dy to those entries (0
 * elsewhere). Out-of-range indices are the caller's to prevent. Call inside `tf.tidy`.
 */
export function gatherLast(values: tf.Tensor, index: tf.Tensor): tf.Tensor {
  const vocabulary = values.shape[values.rank - 1];
  const positions = index.size;
  const flatIndex = tf.add(tf.mul(tf.range(0, positions, 1, 'int32'), tf.scalar(vocabulary, 'int32')), tf.reshape(index, [positions]));
  return tf.reshape(tf.gather(tf.reshape(values, [positions * vocabulary]), flatIndex), index.shape);
}
