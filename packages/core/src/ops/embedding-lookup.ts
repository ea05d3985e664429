import * as tf from '@tensorflow/tfjs';
import { compositeOnly } from '../runtime/composite-mode';
import { GradArg, hasKernel } from './has-kernel';
import { KT_KERNEL_NAMES } from './kernel-names';

/** Attributes of the KtEmbeddingGrad kernel. */
export interface EmbeddingGradAttrs {
  /** Rows of the table (the gradient is [vocab, dim]). */
  vocab: number;
}

/**
 * The table gradient of an embedding lookup in JavaScript: rows of dy [N, D] scatter-added into a [vocab, D] buffer
 * in id order (float32 sums, exact and backend independent).
 */
export function embeddingGradComposite(dy: tf.Tensor, ids: tf.Tensor, vocab: number): tf.Tensor2D {
  const dim = dy.shape[dy.shape.length - 1]!;
  const idValues = ids.dataSync();
  const g = dy.dataSync();
  const out = new Float32Array(vocab * dim);
  for (let n = 0; n < idValues.length; n++) {
    const row = idValues[n]! * dim;
    const src = n * dim;
    for (let d = 0; d < dim; d++) out[row + d] += g[src + d]!;
  }
  return tf.tensor2d(out, [vocab, dim]);
}

/**
 * Embedding lookup `table[ids]` ([V, D] x int32 [...ids] -> [...ids, D]). The forward is `tf.gather`; the table's
 * gradient is a scatter-add of the upstream rows: the KtEmbeddingGrad kernel on the heap where the backend has it,
 * else {@link embeddingGradComposite} (same sums in the same order). Not tf.gather's own gradient
 * (UnsortedSegmentSum): the cpu backend runs one pass per vocabulary row (43 s for one backward pass at V=1000,
 * D=256, N=640) and one-hot products cost a dense [N,V]x[V,D] product.
 */
export function embeddingLookup(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  if (table.rank !== 2) throw new Error(`embeddingLookup: table must be [vocab, dim], got [${table.shape.join(', ')}]`);
  if (ids.dtype !== 'int32') throw new Error(`embeddingLookup: ids must be int32, got ${ids.dtype}`);
  const [vocab, dim] = table.shape as [number, number];
  const idShape = ids.shape;
  // Composite mode (second-order gradients): tf.gather, whose gradient (a segment sum) is itself differentiable;
  // the scatter-add below leaves the tape.
  if (compositeOnly()) return tf.tidy(() => tf.reshape(tf.gather(table, tf.reshape(ids, [-1])), [...idShape, dim]));
  const lookup = tf.customGrad((...args: GradArg[]) => {
    const [e, i, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([i]);
    return {
      value: tf.gather(e, i),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
        const flatIds = saved[0]!;
        const attrs: EmbeddingGradAttrs = { vocab };
        const grad =
          dy.dtype === 'float32' && hasKernel(KT_KERNEL_NAMES.embeddingGrad)
            ? (tf.engine().runKernel(KT_KERNEL_NAMES.embeddingGrad, { dy, ids: flatIds }, { ...attrs }) as tf.Tensor)
            : embeddingGradComposite(dy, flatIds, vocab);
        return [grad, tf.zerosLike(flatIds)];
      },
    };
  }) as unknown as (e: tf.Tensor, i: tf.Tensor) => tf.Tensor;
  return tf.tidy(() => tf.reshape(lookup(table, tf.reshape(ids, [-1])), [...idShape, dim]));
}
