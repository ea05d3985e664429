import * as tf from '@tensorflow/tfjs';
import { GradArg, hasKernel } from './has-kernel';
import { KT_KERNEL_NAMES } from './kernel-names';

/** Per-row softmax cross-entropy in plain tfjs ops: -sum(labels * logSoftmax(logits), -1). */
export function softmaxCrossEntropyComposite(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1)));
}

const fusedSoftmaxXent = tf.customGrad((...args: GradArg[]) => {
  const [labels, logits] = args as tf.Tensor[];
  const [loss, logSoftmax] = tf.engine().runKernel(KT_KERNEL_NAMES.softmaxXent, { labels: labels!, logits: logits! }) as tf.Tensor[];
  (args[2] as tf.GradSaveFunc)([labels!, logSoftmax!]);
  return {
    value: loss!,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.engine().runKernel(KT_KERNEL_NAMES.softmaxXentGrad, { labels: saved[0]!, logSoftmax: saved[1]!, dy }) as tf.Tensor[],
  };
}) as unknown as (labels: tf.Tensor, logits: tf.Tensor) => tf.Tensor;

/**
 * Softmax cross-entropy per row: loss[...] = -sum_c labels[..., c] log softmax(logits)[..., c], for
 * labels and logits of the same shape (labels need not be one-hot). Gradients for both inputs. Where
 * the backend has the KtSoftmaxXent / KtSoftmaxXentGrad kernels one kernel forward and one backward; elsewhere softmaxCrossEntropyComposite.
 * `tf.losses.softmaxCrossEntropy(labels, logits)` (default reduction) equals the mean of this.
 */
export function softmaxCrossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  if (labels.shape.length !== logits.shape.length || labels.shape.some((d, i) => d !== logits.shape[i])) {
    throw new Error(`softmaxCrossEntropy: labels [${labels.shape.join(', ')}] and logits [${logits.shape.join(', ')}] differ in shape`);
  }
  if (labels.dtype !== 'float32' || logits.dtype !== 'float32' || logits.rank < 1 || !hasKernel(KT_KERNEL_NAMES.softmaxXent)) {
    return softmaxCrossEntropyComposite(labels, logits);
  }
  return fusedSoftmaxXent(labels, logits);
}
