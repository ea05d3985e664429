import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installNativeKernels, removeNativeKernels } from '../../src/runtime/backend/native-accelerator';
import { createOptimizer, setLearningRate } from '../../src/runtime/optimization';
import { FusedAdam } from '../../src/runtime/optimizers/fused-adam';

const SHAPES = [[37, 23], [64, 40], [5]];
/** With one tensor large enough for the native kernel's threaded path. */
const NATIVE_SHAPES = [[37, 23], [300, 257], [5]];

function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function makeVars(tag: string, shapes: number[][] = SHAPES): tf.Variable[] {
  return shapes.map((shape, i) =>
    tf.tidy(() => tf.variable(tf.tensor(seeded(shape.reduce((a, b) => a * b, 1), 10 + i), shape), true, `${tag}_${i}`)),
  );
}

/** A loss whose gradients differ per step (so the moments matter): sum((w * c_t - 0.3)^2 * scale_i). */
function lossOf(vars: tf.Variable[], step: number): () => tf.Scalar {
  return () =>
    tf.addN(vars.map((w, i) => tf.sum(tf.mul(tf.square(tf.sub(tf.mul(w, Math.cos(step + i)), 0.3)), 1 + i)))) as tf.Scalar;
}

/** Runs `steps` steps with a per-step learning rate; returns the variables' values. */
function train(opt: tf.Optimizer, vars: tf.Variable[], steps: number, from = 0): Float32Array[] {
  for (let t = from; t < from + steps; t++) {
    setLearningRate(opt, 0.01 * (1 + 0.5 * Math.sin(t)));
    tf.dispose(opt.minimize(lossOf(vars, t), false, vars) ?? []);
  }
  return vars.map((v) => v.dataSync() as Float32Array);
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, i) => x.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![j]!)))));
  return worst;
}

async function compareWithTfjsAdam(native: boolean, shapes: number[][] = SHAPES): Promise<FusedAdam> {
  const ref = tf.train.adam(0.01);
  const refVars = makeVars('ref', shapes);
  const expected = train(ref, refVars, 20);
  const fused = new FusedAdam(0.01, 0.9, 0.999, undefined, { native });
  const vars = makeVars('fused', shapes);
  const got = train(fused, vars, 20);
  expect(maxAbsDiff(got, expected)).toBeLessThan(1e-6);
  // Same checkpoint format: names, order, values.
  const [rw, fw] = [await ref.getWeights(), await fused.getWeights()];
  expect(fw.map((w) => w.name.replace('fused_', ''))).toEqual(rw.map((w) => w.name.replace('ref_', '')));
  expect(fw[0]!.tensor.dataSync()[0]).toBe(20);
  const diff = maxAbsDiff(
    fw.slice(1).map((w) => w.tensor.dataSync() as Float32Array),
    rw.slice(1).map((w) => w.tensor.dataSync() as Float32Array),
  );
  expect(diff).toBeLessThan(1e-6);
  tf.dispose([...fw, ...rw].map((w) => w.tensor));
  ref.dispose();
  tf.dispose([...refVars, ...vars]);
  return fused;
}

describe('FusedAdam', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches tf.train.adam over 20 steps with a changing learning rate on cpu (tf ops path)', async () => {
    await tf.setBackend('cpu');
    const fused = await compareWithTfjsAdam(true);
    expect(fused.nativeUpdates).toBe(0);
  });

  it('matches tf.train.adam on plain wasm (no native kernels)', async () => {
    await tf.setBackend('wasm');
    const fused = await compareWithTfjsAdam(false);
    expect(fused.nativeUpdates).toBe(0);
  });

  it('matches tf.train.adam on wasm with @kt/native, one native call per variable update', async () => {
    await tf.setBackend('wasm');
    const native = installNativeKernels();
    if (!native.active) {
      console.warn(`FusedAdam native test skipped: ${native.reason ?? 'native kernels unavailable'}`);
      return;
    }
    try {
      const fused = await compareWithTfjsAdam(true, NATIVE_SHAPES);
      expect(fused.nativeUpdates).toBe(20 * NATIVE_SHAPES.length);
    } finally {
      removeNativeKernels();
    }
    // Without the native kernels installed, FusedAdam does not call the native update.
    const plain = await compareWithTfjsAdam(true);
    expect(plain.nativeUpdates).toBe(0);
  });

  it('resumes from getWeights/setWeights (also from tf.train.adam weights) exactly like an uninterrupted run', async () => {
    await tf.setBackend('cpu');
    const straight = new FusedAdam(0.01);
    const sVars = makeVars('s');
    const expected = train(straight, sVars, 12);
    for (const source of ['fused', 'tfjs'] as const) {
      const first = source === 'fused' ? new FusedAdam(0.01) : tf.train.adam(0.01);
      const vars = makeVars(`r${source}`);
      train(first, vars, 7);
      const saved = (await first.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
      first.dispose();
      const resumed = new FusedAdam(0.01);
      await resumed.setWeights(saved);
      expect(resumed.iterations).toBe(7);
      const got = train(resumed, vars, 5, 7);
      expect(maxAbsDiff(got, expected)).toBeLessThan(1e-6);
      resumed.dispose();
      tf.dispose([...vars, ...saved.map((w) => w.tensor)]);
    }
    straight.dispose();
    tf.dispose(sVars);
  });

  it('resumed from its own getWeights, continues bit for bit like an uninterrupted run', async () => {
    await tf.setBackend('cpu');
    const straight = new FusedAdam(0.01);
    const sVars = makeVars('bs');
    const expected = train(straight, sVars, 40).map((a) => Array.from(a));
    const first = new FusedAdam(0.01);
    const vars = makeVars('br');
    train(first, vars, 30);
    const saved = (await first.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    first.dispose();
    const resumed = new FusedAdam(0.01);
    await resumed.setWeights(saved);
    const got = train(resumed, vars, 10, 30).map((a) => Array.from(a));
    expect(got).toEqual(expected);
    resumed.dispose();
    straight.dispose();
    tf.dispose([...sVars, ...vars, ...saved.map((w) => w.tensor)]);
  });

  it('leaks no tensors per step and frees its slots on dispose', async () => {
    await tf.setBackend('cpu');
    const vars = makeVars('leak');
    const opt = new FusedAdam(0.01);
    train(opt, vars, 1);
    const before = tf.memory().numTensors;
    train(opt, vars, 3, 1);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before - 2 * vars.length);
    tf.dispose(vars);
  });

  it("is createOptimizer's adam, with a settable learningRate and tfjs's config", () => {
    const opt = createOptimizer({ optimizer: 'adam', lr: 0.003 });
    expect(opt).toBeInstanceOf(FusedAdam);
    setLearningRate(opt, 0.5);
    expect((opt as FusedAdam).learningRate).toBe(0.5);
    expect(opt.getConfig()).toEqual({ learningRate: 0.5, beta1: 0.9, beta2: 0.999, epsilon: (opt as FusedAdam).epsilon });
    opt.dispose();
  });
});
