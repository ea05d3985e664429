import * as tf from '@tensorflow/tfjs';
import { linear, matMul, matMulNoFlags } from '../../src/ops';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('matMulNoFlags', () => {
  it('matches tf.matMul values and gradients for every transpose combination (rank 2 and 4)', () => {
    for (const [shapeA, shapeB] of [
      [[3, 4], [4, 5]],
      [[2, 3, 4, 6], [2, 3, 6, 5]],
    ] as const) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const r = shapeA.length;
          const swap = (s: readonly number[], t: boolean): number[] =>
            t ? [...s.slice(0, r - 2), s[r - 1], s[r - 2]] : [...s];
          const a = tf.randomNormal(swap(shapeA, ta), 0, 1, 'float32', 1);
          const b = tf.randomNormal(swap(shapeB, tb), 0, 1, 'float32', 2);
          const w = tf.randomNormal([...shapeA.slice(0, r - 1), shapeB[r - 1]], 0, 1, 'float32', 3);
          const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMulNoFlags(x, y, ta, tb), w)));
          const ref = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, ta, tb), w)));
          const [ga, gb] = ours([a, b]);
          const [ra, rb] = ref([a, b]);
          const y1 = matMulNoFlags(a, b, ta, tb);
          const y2 = tf.matMul(a, b, ta, tb);
          expect(maxAbsDiff(y1, y2)).toBeLessThan(1e-5);
          expect(maxAbsDiff(ga, ra)).toBeLessThan(1e-5);
          expect(maxAbsDiff(gb, rb)).toBeLessThan(1e-5);
          tf.dispose([a, b, w, ga, gb, ra, rb, y1, y2]);
        }
      }
    }
  });
});

describe('matMul and linear (flags and fused epilogue only where @kt/native runs them)', () => {
  it('equal tf.matMul / x·w + b (relu) on a backend without native kernels', () => {
    const a = tf.randomNormal([5, 4], 0, 1, 'float32', 4);
    const b = tf.randomNormal([6, 4], 0, 1, 'float32', 5);
    const bias = tf.randomNormal([6], 0, 1, 'float32', 6);
    const y = matMul(a, b, false, true);
    const ref = tf.matMul(a, b, false, true);
    expect(maxAbsDiff(y, ref)).toBeLessThan(1e-6);
    const l = linear(a, tf.transpose(b), bias, 'relu');
    const lref = tf.relu(tf.add(ref, bias));
    expect(maxAbsDiff(l, lref)).toBeLessThan(1e-6);
    expect(() => linear(a, b, tf.zeros([2, 2]))).toThrow(/linear: expected/);
    tf.dispose([a, b, bias, y, ref, l, lref]);
  });
});
