import * as tf from '@tensorflow/tfjs';
import { embeddingLookup } from '../../src/models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('embeddingLookup', () => {
  it('equals gather, and its gradient equals gather\'s (duplicates summed)', () => {
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]);
    const ids = tf.tensor2d([[0, 2], [2, 2]], [2, 2], 'int32');
    expect(embeddingLookup(table, ids).arraySync()).toEqual(tf.gather(table, ids).arraySync());
    const weights = tf.tensor3d([[[1, 0], [0, 1]], [[2, 3], [4, 5]]]);
    const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t, ids), weights)))(table);
    const theirs = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), weights)))(table);
    expect(ours.arraySync()).toEqual(theirs.arraySync());
    expect(ours.arraySync()).toEqual([[1, 0], [0, 0], [6, 9], [0, 0]]);
  });

  it('is fast for a large table (a tfjs CPU gather gradient loops over every row)', () => {
    const table = tf.randomNormal([20000, 8]);
    const ids = tf.tensor1d(Array.from({ length: 4096 }, (_, i) => (i * 37) % 20000), 'int32');
    const t0 = Date.now();
    const g = tf.grad((t: tf.Tensor) => tf.sum(embeddingLookup(t, ids)))(table);
    expect(tf.sum(g).dataSync()[0]).toBeCloseTo(4096 * 8, 0);
    expect(Date.now() - t0).toBeLessThan(10000);
  });
});
