import * as tf from '@tensorflow/tfjs';
import { batchCount, batchIndices, batches, ClassificationSplit, classCounts, splitDeterministic, toTensors } from '../../src/data';

/** 3 classes of 40, 20, 10 examples; x[i] = [i, -i] so every example is identifiable. */
function toyData(): ClassificationSplit {
  const sizes = [40, 20, 10];
  const n = 70;
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  let i = 0;
  sizes.forEach((size, c) => {
    for (let k = 0; k < size; k++, i++) {
      x[2 * i] = i;
      x[2 * i + 1] = -i;
      y[i] = c;
    }
  });
  return { x, y, n, shape: [2], numClasses: 3 };
}

const ids = (s: ClassificationSplit): number[] => Array.from({ length: s.n }, (_, i) => s.x[2 * i]);

describe('splitDeterministic', () => {
  it('is stratified, covers every example exactly once, and keeps x with y', () => {
    const data = toyData();
    const parts = splitDeterministic(data, { train: 0.6, val: 0.2, test: 0.2 }, 7);
    expect(classCounts(parts.train)).toEqual([24, 12, 6]);
    expect(classCounts(parts.val)).toEqual([8, 4, 2]);
    expect(classCounts(parts.test)).toEqual([8, 4, 2]);
    const all = [...ids(parts.train), ...ids(parts.val), ...ids(parts.test)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 70 }, (_, i) => i));
    for (const part of Object.values(parts)) {
      for (let i = 0; i < part.n; i++) {
        expect(part.x[2 * i + 1]).toBe(-part.x[2 * i]);
        expect(part.y[i]).toBe(data.y[part.x[2 * i]]);
      }
    }
  });

  it('same seed same split, other seed other split; array form matches record form', () => {
    const data = toyData();
    const a = splitDeterministic(data, [0.5, 0.5], 1);
    const b = splitDeterministic(data, [0.5, 0.5], 1);
    const c = splitDeterministic(data, [0.5, 0.5], 2);
    expect(ids(a[0])).toEqual(ids(b[0]));
    expect(ids(a[0])).not.toEqual(ids(c[0]));
    expect(ids(splitDeterministic(data, { x: 0.5, y: 0.5 }, 1).x)).toEqual(ids(a[0]));
  });

  it('rejects bad fractions', () => {
    expect(() => splitDeterministic(toyData(), [0.5, 0.4], 1)).toThrow(/sum to 1/);
    expect(() => splitDeterministic(toyData(), [1.2, -0.2], 1)).toThrow(/> 0/);
  });
});

describe('batches', () => {
  it('one epoch visits every example once, seeded and different per epoch', () => {
    const data = toyData();
    const epoch0 = [...batches(data, 16, 3)];
    expect(epoch0.map((b) => b.n)).toEqual([16, 16, 16, 16, 6]);
    expect(batchCount(70, 16)).toBe(5);
    const seen = epoch0.flatMap((b) => Array.from({ length: b.n }, (_, k) => b.x[2 * k]));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 70 }, (_, i) => i));
    expect(seen).not.toEqual(Array.from({ length: 70 }, (_, i) => i));
    for (const b of epoch0) for (let k = 0; k < b.n; k++) {
      expect(b.x[2 * k]).toBe(b.indices[k]);
      expect(b.y[k]).toBe(data.y[b.indices[k]]);
    }
    const again = [...batches(data, 16, 3)].flatMap((b) => Array.from(b.indices));
    expect(again).toEqual(epoch0.flatMap((b) => Array.from(b.indices)));
    const epoch1 = [...batches(data, 16, 3, { epoch: 1 })].flatMap((b) => Array.from(b.indices));
    expect(epoch1).not.toEqual(again);
  });

  it('batchIndices gives batch `index` of epoch `epoch` alone, equal to what batches() yields', () => {
    const data = toyData();
    for (const epoch of [0, 3]) {
      const all = [...batches(data, 16, 9, { epoch })].map((b) => Array.from(b.indices));
      const direct = all.map((_, index) => Array.from(batchIndices(70, 16, 9, epoch, index)));
      expect(direct).toEqual(all);
    }
    // in any order of calls (a resumed run starts mid-epoch), and a returned array is a copy
    const late = batchIndices(70, 16, 9, 3, 4);
    late.fill(-1);
    expect(Array.from(batchIndices(70, 16, 9, 3, 4))).toEqual(Array.from([...batches(data, 16, 9, { epoch: 3 })][4]!.indices));
    expect(Array.from(batchIndices(70, 16, 9, 0, 0))).not.toEqual(Array.from(batchIndices(70, 16, 9, 1, 0)));
    expect(Array.from(batchIndices(70, 16, 9, 0, 0))).not.toEqual(Array.from(batchIndices(70, 16, 10, 0, 0)));
    expect(() => batchIndices(70, 16, 9, 0, 5)).toThrow(/batch index 5 outside the 5 batches/);
    expect(() => batchIndices(70, 0, 9, 0, 0)).toThrow(/batchSize/);
  });

  it('dropLast and shuffle=false', () => {
    const data = toyData();
    expect([...batches(data, 16, 0, { dropLast: true })].map((b) => b.n)).toEqual([16, 16, 16, 16]);
    expect(batchCount(70, 16, true)).toBe(4);
    const ordered = [...batches(data, 32, 0, { shuffle: false })];
    expect(Array.from(ordered[1].indices.subarray(0, 3))).toEqual([32, 33, 34]);
    expect(() => [...batches(data, 0, 0)]).toThrow(/batchSize/);
  });

  it('toTensors builds [n, ...shape] float32 and int32 labels', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const [b] = [...batches(toyData(), 4, 0, { shuffle: false })];
    const { x, y } = toTensors(b, [1, 2]);
    expect(x.shape).toEqual([4, 1, 2]);
    expect(x.dtype).toBe('float32');
    expect(y.dtype).toBe('int32');
    expect(Array.from(await y.data())).toEqual([0, 0, 0, 0]);
    expect(Array.from(await x.data())).toEqual([0, -0, 1, -1, 2, -2, 3, -3]);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => toTensors(b, [3])).toThrow(/expected n \* 3/);
  });
});
