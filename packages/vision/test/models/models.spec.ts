import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '@kt/core/testing';
import { buildModel, ClassifierModel, createCnn, createMlp, ModelSpecSchema } from '../../src/models';

useCpuBackend();

async function weightValues(model: ClassifierModel): Promise<Map<string, Float32Array>> {
  const weights = model.getWeights();
  const out = new Map<string, Float32Array>();
  for (const [key, t] of weights) out.set(key, (await t.data()) as Float32Array);
  tf.dispose([...weights.values()]);
  return out;
}

describe('createMlp', () => {
  it('outputs [n, numClasses] logits from flat or image-shaped input, with stable weight names', () => {
    const model = createMlp({ inputSize: 784, hidden: [32, 16], numClasses: 10, seed: 1 });
    expect(model.weightNames()).toEqual(['dense0/kernel', 'dense0/bias', 'dense1/kernel', 'dense1/bias', 'output/kernel', 'output/bias']);
    expect(model.parameterCount()).toBe(784 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10);
    expect(model.trainableVariables().map((v) => v.shape)).toEqual([[784, 32], [32], [32, 16], [16], [16, 10], [10]]);
    const before = tf.memory().numTensors;
    const flat = tf.tidy(() => model.forward(tf.ones([5, 784]), false));
    const images = tf.tidy(() => model.forward(tf.ones([5, 28, 28, 1]), false));
    expect(flat.shape).toEqual([5, 10]);
    expect(images.shape).toEqual([5, 10]);
    expect(Array.from(images.dataSync())).toEqual(Array.from(flat.dataSync()));
    tf.dispose([flat, images]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => tf.tidy(() => model.forward(tf.ones([2, 783]), false))).toThrow(/does not match/);
    model.dispose();
  });

  it('same seed gives identical weights, another seed different ones; init scale is He/Glorot', async () => {
    const a = await weightValues(createMlp({ inputSize: 100, hidden: [50], numClasses: 10, seed: 42, name: 'a' }));
    const b = await weightValues(createMlp({ inputSize: 100, hidden: [50], numClasses: 10, seed: 42, name: 'b' }));
    const c = await weightValues(createMlp({ inputSize: 100, hidden: [50], numClasses: 10, seed: 43 }));
    for (const key of a.keys()) expect(Array.from(b.get(key)!)).toEqual(Array.from(a.get(key)!));
    expect(Array.from(c.get('dense0/kernel')!)).not.toEqual(Array.from(a.get('dense0/kernel')!));
    const k = a.get('dense0/kernel')!;
    const std = Math.sqrt(k.reduce((s, v) => s + v * v, 0) / k.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 100), 2); // He normal, 5000 draws
    const out = a.get('output/kernel')!;
    const limit = Math.sqrt(6 / 60);
    expect(Math.max(...out.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...out.map(Math.abs))).toBeGreaterThan(0.9 * limit);
    expect(Array.from(a.get('dense0/bias')!)).toEqual(new Array(50).fill(0));
    // a layer's initial values depend only on (seed, key, shape), not on the other layers
    const deeper = await weightValues(createMlp({ inputSize: 100, hidden: [50, 20], numClasses: 10, seed: 42 }));
    expect(Array.from(deeper.get('dense0/kernel')!)).toEqual(Array.from(a.get('dense0/kernel')!));
  });

  it('dropout acts only when training, reproducibly for a seed', () => {
    const make = (): ClassifierModel => createMlp({ inputSize: 20, hidden: [64], numClasses: 3, dropout: 0.5, seed: 5 });
    const [m1, m2] = [make(), make()];
    const x = tf.randomUniform([8, 20], 0, 1, 'float32', 1);
    const evalA = m1.forward(x, false);
    const evalB = m1.forward(x, false);
    const trainA = m1.forward(x, true);
    const trainB = m1.forward(x, true);
    const twin = m2.forward(x, true);
    expect(Array.from(evalB.dataSync())).toEqual(Array.from(evalA.dataSync()));
    expect(Array.from(trainA.dataSync())).not.toEqual(Array.from(evalA.dataSync()));
    expect(Array.from(trainB.dataSync())).not.toEqual(Array.from(trainA.dataSync())); // fresh mask per call
    expect(Array.from(twin.dataSync())).toEqual(Array.from(trainA.dataSync())); // same seed, same masks
    tf.dispose([x, evalA, evalB, trainA, trainB, twin]);
    m1.dispose();
    m2.dispose();
  });

  it('dropout masks are a function of dropoutSeed alone (exact resume), not of earlier calls', () => {
    const make = (): ClassifierModel => createMlp({ inputSize: 20, hidden: [32, 32], numClasses: 3, dropout: 0.5, seed: 5 });
    const [m1, m2] = [make(), make()];
    const x = tf.randomUniform([8, 20], 0, 1, 'float32', 1);
    tf.dispose([m1.forward(x, true), m1.forward(x, true, 11)]); // m1 has consumed randomness, m2 none
    const a = m1.forward(x, true, 42);
    const b = m2.forward(x, true, 42);
    const c = m2.forward(x, true, 43);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(c.dataSync())).not.toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b, c]);
    m1.dispose();
    m2.dispose();
  });

  it('rejects bad sizes', () => {
    expect(() => createMlp({ inputSize: 0, hidden: [], numClasses: 10, seed: 0 })).toThrow(/inputSize/);
    expect(() => createMlp({ inputSize: 4, hidden: [2.5], numClasses: 10, seed: 0 })).toThrow(/hidden/);
    expect(() => createMlp({ inputSize: 4, hidden: [], numClasses: 10, dropout: 1, seed: 0 })).toThrow(/dropout/);
  });
});

describe('createCnn', () => {
  it('conv 3x3 + relu + maxpool blocks then dense: shapes, names and parameter count', () => {
    const model = createCnn({ inputShape: [28, 28, 1], channels: [8, 16], dense: 32, numClasses: 10, seed: 3 });
    expect(model.weightNames()).toEqual([
      'conv0/kernel', 'conv0/bias', 'conv1/kernel', 'conv1/bias', 'dense0/kernel', 'dense0/bias', 'output/kernel', 'output/bias',
    ]);
    // 28 -> 14 -> 7: flatten 7*7*16 = 784
    expect(model.trainableVariables().map((v) => v.shape)).toEqual([
      [3, 3, 1, 8], [8], [3, 3, 8, 16], [16], [784, 32], [32], [32, 10], [10],
    ]);
    expect(model.parameterCount()).toBe(9 * 8 + 8 + 9 * 8 * 16 + 16 + 784 * 32 + 32 + 32 * 10 + 10);
    const before = tf.memory().numTensors;
    const logits = tf.tidy(() => model.forward(tf.randomUniform([3, 784], 0, 1, 'float32', 2), true));
    expect(logits.shape).toEqual([3, 10]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    logits.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('odd sizes floor when pooling; too many blocks is an error; same seed same weights', async () => {
    const small = createCnn({ inputShape: [8, 8, 1], channels: [4, 4, 4], dense: 8, numClasses: 10, seed: 1 });
    expect(small.trainableVariables()[6].shape).toEqual([4, 8]); // 8 -> 4 -> 2 -> 1: 1*1*4
    const out = tf.tidy(() => small.forward(tf.zeros([2, 8, 8, 1]), false));
    expect(out.shape).toEqual([2, 10]);
    out.dispose();
    expect(() => createCnn({ inputShape: [8, 8, 1], channels: [4, 4, 4, 4], dense: 8, numClasses: 10, seed: 1 })).toThrow(
      /too many conv blocks/,
    );
    const twin = createCnn({ inputShape: [8, 8, 1], channels: [4, 4, 4], dense: 8, numClasses: 10, seed: 1 });
    const [a, b] = [await weightValues(small), await weightValues(twin)];
    for (const key of a.keys()) expect(Array.from(b.get(key)!)).toEqual(Array.from(a.get(key)!));
    small.dispose();
    twin.dispose();
  });
});

describe('weights and variables', () => {
  it('getWeights/setWeights round trip into a differently seeded model; mismatches throw without changes', async () => {
    const source = createMlp({ inputSize: 6, hidden: [5], numClasses: 3, seed: 1 });
    const target = createMlp({ inputSize: 6, hidden: [5], numClasses: 3, seed: 2 });
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 9);
    const before = tf.memory().numTensors;
    const weights = source.getWeights();
    target.setWeights(weights);
    tf.dispose([...weights.values()]); // setWeights copied: the target must keep working
    expect(tf.memory().numTensors).toBe(before);
    const [ys, yt] = [source.forward(x, false), target.forward(x, false)];
    expect(Array.from(yt.dataSync())).toEqual(Array.from(ys.dataSync()));
    tf.dispose([ys, yt]);
    const got = await weightValues(target);
    const wrong = new Map([...source.getWeights()].filter(([k]) => k !== 'output/bias'));
    wrong.set('extra', tf.zeros([1]));
    wrong.set('dense0/kernel', tf.zeros([5, 6]));
    expect(() => target.setWeights(wrong)).toThrow(
      "mlp: setWeights: 'dense0/kernel' has shape [5, 6], expected [6, 5]; missing 'output/bias'; unexpected 'extra'",
    );
    tf.dispose([...wrong.values()]);
    expect(await weightValues(target)).toEqual(got);
    [source, target].forEach((m) => m.dispose());
    x.dispose();
  });

  it('two models never share variables, and dispose frees them', () => {
    const start = tf.memory().numTensors;
    const teacher = createMlp({ inputSize: 4, hidden: [3], numClasses: 2, seed: 0, name: 'same' });
    const learner = createMlp({ inputSize: 4, hidden: [3], numClasses: 2, seed: 0, name: 'same' });
    const teacherVars = new Set(teacher.trainableVariables());
    expect(learner.trainableVariables().some((v) => teacherVars.has(v))).toBe(false);
    expect(tf.memory().numTensors).toBe(start + 8);
    teacher.dispose();
    expect(tf.memory().numTensors).toBe(start + 4);
    const input = tf.zeros([1, 4]);
    expect(() => teacher.forward(input, false)).toThrow(/disposed/);
    input.dispose();
    learner.dispose();
    learner.dispose(); // idempotent
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('ModelSpecSchema / buildModel', () => {
  it('validates specs and fills defaults', () => {
    expect(ModelSpecSchema.parse({ kind: 'mlp', hidden: [32] })).toEqual({ kind: 'mlp', hidden: [32], dropout: 0 });
    expect(ModelSpecSchema.safeParse({ kind: 'cnn', channels: [], dense: 8 }).success).toBe(false);
    expect(ModelSpecSchema.safeParse({ kind: 'mlp', hidden: [0] }).success).toBe(false);
    expect(ModelSpecSchema.safeParse({ kind: 'mlp', hidden: [8], dropout: 1 }).success).toBe(false);
    expect(ModelSpecSchema.safeParse({ kind: 'rnn' }).success).toBe(false);
  });

  it('builds an MLP (flattening the data shape) or a CNN from a spec', () => {
    const mlp = buildModel({ kind: 'mlp', hidden: [16] }, { inputShape: [8, 8, 1], numClasses: 10, seed: 1, name: 'learner' });
    expect(mlp.name).toBe('learner');
    expect(mlp.parameterCount()).toBe(64 * 16 + 16 + 16 * 10 + 10);
    const cnn = buildModel({ kind: 'cnn', channels: [4], dense: 8 }, { inputShape: [8, 8, 1], numClasses: 10, seed: 1 });
    expect(cnn.trainableVariables()[0].shape).toEqual([3, 3, 1, 4]);
    expect(() => buildModel({ kind: 'cnn', channels: [4], dense: 8 }, { inputShape: [64], numClasses: 10, seed: 1 })).toThrow(
      /\[height, width, channels\]/,
    );
    mlp.dispose();
    cnn.dispose();
  });
});
