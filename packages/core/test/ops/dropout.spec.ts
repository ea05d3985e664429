import * as tf from '@tensorflow/tfjs';
import { dropout, dropoutMask } from '../../src/ops';

describe('dropout (counter-based mask from a seed)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('keeps about 1 - rate of the elements, scaled by 1 / (1 - rate), the same for a seed and different across seeds', () => {
    const n = 100_000;
    const scale = Math.fround(1 / 0.7);
    const mask = dropoutMask(n, 0.3, 7, scale);
    const kept = mask.filter((m) => m !== 0);
    expect(kept.every((m) => m === scale)).toBe(true);
    expect(kept.length / n).toBeGreaterThan(0.69);
    expect(kept.length / n).toBeLessThan(0.71);
    expect(dropoutMask(n, 0.3, 7, scale)).toEqual(mask);
    const other = dropoutMask(n, 0.3, 8, scale);
    let same = 0;
    for (let i = 0; i < n; i++) if ((other[i] !== 0) === (mask[i] !== 0)) same++;
    // Independent masks agree on 0.7^2 + 0.3^2 = 58 % of the elements.
    expect(same / n).toBeGreaterThan(0.56);
    expect(same / n).toBeLessThan(0.6);
  });

  it('applies the mask to x and the same mask to the gradient; rate 0 is the identity; bad arguments are named', () => {
    const x = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8]);
    const y = dropout(x, 0.5, 99);
    const mask = dropoutMask(8, 0.5, 99, 2);
    expect(Array.from(y.dataSync())).toEqual(Array.from(mask, (m, i) => m * (i + 1)));
    const g = tf.grad((v: tf.Tensor) => tf.sum(dropout(v, 0.5, 99)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(mask));
    expect(dropout(x, 0, 1)).toBe(x);
    expect(() => dropout(x, 1, 1)).toThrow(/rate must be in \[0, 1\)/);
    expect(() => dropout(x, 0.1, -1)).toThrow(/seed must be a uint32/);
    tf.dispose([x, y, g]);
  });
});
