import * as tf from '@tensorflow/tfjs';

/**
 * log p(token) for each position: log-softmax of `logits` [..., V] gathered at `tokens` [...] (int32),
 * returning shape [...] (e.g. [B, T, V] × [B, T] → [B, T]). Differentiable w.r.t. the logits
 * (gathered with a one-hot product, whose gradient is exact and cheap).
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
  const vocabulary = logits.shape[logits.rank - 1];
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(tf.cast(logits, 'float32'));
    const oneHot = tf.oneHot(tokens, vocabulary, 1, 0, 'float32');
    return tf.sum(tf.mul(logProbs, oneHot), -1);
  });
}
