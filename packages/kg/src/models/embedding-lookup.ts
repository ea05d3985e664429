import * as tf from '@tensorflow/tfjs';

/**
 * Rows `ids` of an embedding table with a scatter-add gradient: d table = Σ over occurrences of dy
 * (tf.scatterND sums duplicate indices), one pass over the looked-up rows on every backend. tfjs's own
 * gather gradient goes through UnsortedSegmentSum, whose CPU kernel loops over every segment (table
 * row) for every row looked up — minutes per step for a table of a few hundred rows — and which wasm
 * only has through core's kernel. (A generic embedding lookup: it should move to core's ops.)
 */
export const embeddingLookup: (table: tf.Tensor, ids: tf.Tensor) => tf.Tensor = tf.customGrad((...args: unknown[]) => {
  const [table, ids, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([ids]);
  const shape = table.shape;
  return {
    value: tf.gather(table, ids),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const i = saved[0]!;
      const rowSize = shape.slice(1).reduce((a, b) => a * b, 1);
      const grad = tf.scatterND(tf.reshape(i, [-1, 1]), tf.reshape(dy as tf.Tensor, [-1, rowSize]), [shape[0]!, rowSize]);
      return [tf.reshape(grad, shape), tf.zerosLike(i)];
    },
  };
}) as unknown as (table: tf.Tensor, ids: tf.Tensor) => tf.Tensor;
