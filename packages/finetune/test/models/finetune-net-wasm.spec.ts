import * as tf from '@tensorflow/tfjs';
import { activeKernels, createOptimizer, FusedAdam, initBackend, NATIVE_KERNELS_OWNER } from '@kt/core';
import { FinetuneNet } from '../../src';

const SHAPE = [6, 12, 12, 3];
const LABELS = [0, 4, 2, 1, 3, 0];

/** Logits, then logits after 5 steps of core's Adam on the cross-entropy; the net's weights are put back afterwards. */
function logitsAndTrained(net: FinetuneNet, xValues: Float32Array): { logits: Float32Array; trained: Float32Array; nativeUpdates: number } {
  const x = tf.tensor4d(xValues, SHAPE as [number, number, number, number]);
  const y = tf.oneHot(tf.tensor1d(LABELS, 'int32'), 5);
  const start = net.getWeights();
  const optimizer = createOptimizer({ optimizer: 'adam', lr: 0.01 });
  expect(optimizer).toBeInstanceOf(FusedAdam);
  try {
    const logits = tf.tidy(() => net.forward(x).dataSync() as Float32Array);
    for (let s = 0; s < 5; s++) {
      tf.tidy(() => {
        optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, false, net.trainableVariables());
      });
    }
    const trained = tf.tidy(() => net.forward(x).dataSync() as Float32Array);
    return { logits, trained, nativeUpdates: (optimizer as FusedAdam).nativeUpdates };
  } finally {
    optimizer.dispose();
    net.setWeights(start);
    tf.dispose([x, y, ...start.values()]);
  }
}

const maxAbsDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

it("FinetuneNet and core's Adam on wasm (with @kt/native's FusedConv2D, _FusedMatMul, KtAdam where the addon loads) match the cpu backend", async () => {
  await tf.setBackend('cpu');
  const net = new FinetuneNet({ inputShape: SHAPE.slice(1), channels: [8, 16], dense: 32, classes: 5, seed: 3 });
  try {
    // non-zero biases so a dropped or misplaced bias shows (they start at 0)
    for (const [key, v] of net.namedVariables()) if (key.endsWith('/bias')) v.assign(tf.tidy(() => tf.randomNormal(v.shape, 0, 0.3, 'float32', 7)));
    const xValues = tf.tidy(() => tf.randomUniform(SHAPE, 0, 1, 'float32', 11).dataSync() as Float32Array);
    const cpu = logitsAndTrained(net, xValues);
    const info = await initBackend({ requested: 'wasm', log: () => undefined });
    expect(tf.getBackend()).toBe('wasm');
    const wasm = logitsAndTrained(net, xValues);
    if (info.native?.active) {
      expect(activeKernels(NATIVE_KERNELS_OWNER)).toEqual(expect.arrayContaining(['FusedConv2D', '_FusedMatMul']));
      expect(wasm.nativeUpdates).toBeGreaterThan(0);
    }
    expect(maxAbsDiff(wasm.logits, cpu.logits)).toBeLessThan(1e-5);
    expect(maxAbsDiff(wasm.trained, cpu.trained)).toBeLessThan(1e-4);
    expect(maxAbsDiff(cpu.trained, cpu.logits)).toBeGreaterThan(1e-3); // the steps did train
  } finally {
    net.dispose();
    await tf.setBackend('cpu');
  }
});
