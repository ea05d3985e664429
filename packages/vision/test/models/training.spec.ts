import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '@kt/core/testing';
import { batches, loadMnistPackage, selectExamples, toTensors } from '../../src/data';
import { createCnn, createMlp } from '../../src/models';

useCpuBackend();

describe('training on MNIST (cpu backend)', () => {
  const { train } = loadMnistPackage({ perDigit: 80 });
  const data = selectExamples(train, Array.from({ length: 512 }, (_, i) => i)); // 560 interleaved -> first 512

  it('Adam steps on an MLP reduce cross-entropy, only the learner moves, tensor count stays constant', () => {
    const learner = createMlp({ inputSize: 784, hidden: [32], numClasses: 10, seed: 11, name: 'learner' });
    const teacher = createMlp({ inputSize: 784, hidden: [32], numClasses: 10, seed: 12, name: 'teacher' });
    const all = toTensors(data, data.shape);
    const loss = (): number =>
      tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(all.y, 10), learner.forward(all.x, false)).dataSync()[0]);
    const teacherBefore = teacher.trainableVariables().map((v) => v.dataSync().slice());
    const optimizer = tf.train.adam(0.01);
    const initial = loss();
    expect(initial).toBeGreaterThan(1.5);
    const counts: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const batch of batches(data, 64, 1, { epoch })) {
        tf.tidy(() => {
          const { x, y } = toTensors(batch, data.shape);
          const cost = optimizer.minimize(
            () => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), learner.forward(x, true)) as tf.Scalar,
            false,
            learner.trainableVariables(),
          );
          cost?.dispose();
        });
        counts.push(tf.memory().numTensors);
      }
    }
    const final = loss();
    expect(final).toBeLessThan(0.5 * initial);
    // Adam creates its slots on the first step; afterwards the count must not move
    expect(new Set(counts.slice(1)).size).toBe(1);
    teacher.trainableVariables().forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(teacherBefore[i])));
    optimizer.dispose();
    tf.dispose([all.x, all.y]);
    learner.dispose();
    teacher.dispose();
  });

  // The cpu backend's conv2d and its gradients are slow (seconds per 28x28 batch), so the CNN is
  // checked on a tiny synthetic 8x8 task: class c lights up quadrant c.
  it('a small CNN learns a toy 8x8 task, without leaking', () => {
    const n = 32;
    const x = new Float32Array(n * 64);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 4;
      y[i] = c;
      const [r0, c0] = [Math.floor(c / 2) * 4, (c % 2) * 4];
      for (let r = 0; r < 4; r++) for (let q = 0; q < 4; q++) x[i * 64 + (r0 + r) * 8 + c0 + q] = 0.5 + 0.5 * (((i * 7 + r * 3 + q) % 5) / 5);
    }
    const model = createCnn({ inputShape: [8, 8, 1], channels: [4], dense: 8, numClasses: 4, seed: 2 });
    const optimizer = tf.train.adam(0.05);
    const { x: xs, y: ys } = toTensors({ x, y, n }, [8, 8, 1]);
    const counts: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 10; step++) {
      const value = tf.tidy(() => {
        const cost = optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(tf.oneHot(ys, 4), model.forward(xs, true)) as tf.Scalar,
          true,
          model.trainableVariables(),
        );
        return cost!.dataSync()[0];
      });
      losses.push(value);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
    optimizer.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
