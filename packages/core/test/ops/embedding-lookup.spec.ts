import * as tf from '@tensorflow/tfjs';
import { embeddingLookup } from '../../src/ops';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('embeddingLookup', () => {
  it('matches gather forward and one-hot-matmul gradients (repeated ids accumulate)', () => {
    const table = tf.randomNormal([7, 5], 0, 1, 'float32', 1) as tf.Tensor2D;
    const ids = tf.tensor2d([[1, 3, 3], [0, 6, 1]], undefined, 'int32');
    const w = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 2);
    const viaLookup = tf.grad((e: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(e, ids), w)));
    const viaOneHot = tf.grad((e: tf.Tensor) =>
      tf.sum(tf.mul(tf.reshape(tf.matMul(tf.oneHot(tf.reshape(ids, [-1]), 7), e as tf.Tensor2D), [2, 3, 5]), w)),
    );
    const y = embeddingLookup(table, ids);
    const ref = tf.gather(table, ids);
    expect(maxAbsDiff(y, ref)).toBe(0);
    const g1 = viaLookup(table);
    const g2 = viaOneHot(table);
    expect(maxAbsDiff(g1, g2)).toBeLessThan(1e-5);
    expect(tf.sum(tf.abs(tf.slice(g1, [2, 0], [1, 5]))).dataSync()[0]).toBe(0); // id 2 unused
    tf.dispose([table, ids, w, y, ref, g1, g2]);
  });

  it('names bad arguments', () => {
    const table = tf.zeros([3, 2]);
    expect(() => embeddingLookup(table, tf.tensor1d([0.5]))).toThrow(/ids must be int32/);
    expect(() => embeddingLookup(tf.zeros([3]), tf.tensor1d([0], 'int32'))).toThrow(/table must be \[vocab, dim\]/);
  });
});
