import * as tf from '@tensorflow/tfjs';

describe('workspace smoke', () => {
  it('runs tfjs on cpu', async () => {
    await tf.setBackend('cpu');
    expect(tf.add(1, 2).dataSync()[0]).toBe(3);
  });
});
