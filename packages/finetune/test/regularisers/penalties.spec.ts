import * as tf from '@tensorflow/tfjs';
import { createMemoryLogger, createTransferObjective, TransferSchema } from '@kt/core';
import { useCpuBackend } from '@kt/core/testing';
import {
  atPenalty,
  attentionMap,
  channelLossIncreases,
  channelWeights,
  crossCorrelation2,
  deltaPenalty,
  featureDistance,
  FinetuneConfigSchema,
  FinetuneNet,
  fitHead,
  l2Penalty,
  l2SpPenalty,
  mmd2,
  REGULARISER_NAMES,
  REGULARISERS,
  relevantDistance,
  trainDisentangler,
  type RegulariserSetup,
  type StepFeatures,
  type TaskData,
} from '../../src';
import { expectGradientMatches, seeded } from '../helpers/finite-difference';

useCpuBackend();

const value = (t: tf.Scalar): number => t.dataSync()[0]!;

describe('weight penalties', () => {
  it('l2: ½‖w‖², gradient w', () => {
    tf.tidy(() => {
      expect(value(l2Penalty([tf.tensor1d([1, 2]), tf.tensor1d([3])]))).toBeCloseTo(7, 6);
      const w = tf.tensor1d([1, -2, 0.5]);
      expect(Array.from(tf.grad((x: tf.Tensor) => l2Penalty([x]))(w).dataSync())).toEqual([1, -2, 0.5]);
    });
  });

  it('l2-sp: (α/2)‖w_S − w⁰_S‖² + (β/2)‖w_head‖², gradients α(w − w⁰) and βw', () => {
    tf.tidy(() => {
      const start = new Map<string, tf.Tensor>([['conv1/kernel', tf.tensor1d([0, 1])]]);
      const at = (conv: tf.Tensor, head: tf.Tensor): tf.Scalar =>
        l2SpPenalty(
          new Map([
            ['conv1/kernel', conv],
            ['head/kernel', head],
          ]),
          start,
          2,
          4,
        );
      expect(value(at(tf.tensor1d([1, 2]), tf.tensor1d([3])))).toBeCloseTo(2 + 18, 5);
      const [gConv, gHead] = tf.grads((c: tf.Tensor, h: tf.Tensor) => at(c, h))([tf.tensor1d([1, 2]), tf.tensor1d([3])]);
      expect(Array.from(gConv!.dataSync())).toEqual([2, 2]);
      expect(Array.from(gHead!.dataSync())).toEqual([12]);
      expect(() => l2SpPenalty(new Map([['fc/kernel', tf.tensor1d([1])]]), start, 1, 1)).toThrow(/no starting value for weight 'fc\/kernel'/);
    });
  });
});

describe('feature-map penalties', () => {
  it('attention map: mean over channels of A², unit L2 norm per example', () => {
    tf.tidy(() => {
      // One example, 1×2 map, 2 channels: mean_c A² = [(9 + 1)/2, (16 + 0)/2] = [5, 8], norm √89.
      const a = tf.tensor4d([3, 1, 4, 0], [1, 1, 2, 2]);
      const q = attentionMap(a).dataSync();
      expect(q[0]).toBeCloseTo(5 / Math.sqrt(89), 6);
      expect(q[1]).toBeCloseTo(8 / Math.sqrt(89), 6);
    });
  });

  it('at: Σ_j mean (Q_j − Q⁰_j)², 0 at the starting point, gradient matches finite differences', () => {
    tf.tidy(() => {
      const a = tf.tensor4d([3, 4], [1, 1, 2, 1]);
      const a0 = tf.tensor4d([4, 3], [1, 1, 2, 1]);
      // Q = (3², 4²)/‖·‖ = (9, 16)/√337, Q⁰ = (16, 9)/√337: mean of squared differences = 49/337.
      expect(value(atPenalty({ conv1: a }, { conv1: a0 }, ['conv1']))).toBeCloseTo(49 / 337, 6);
      expect(value(atPenalty({ conv1: a, conv2: a0 }, { conv1: a, conv2: a0 }, ['conv1', 'conv2']))).toBe(0);
    });
    const start = seeded([2, 3, 3, 2], 5);
    expectGradientMatches((x) => atPenalty({ conv1: x as tf.Tensor4D }, { conv1: start as tf.Tensor4D }, ['conv1']), seeded([2, 3, 3, 2], 9), 2e-2, 1e-3);
    start.dispose();
  });

  it('delta channel weights: softmax of z-scores / T; uniform when every channel matters equally', () => {
    const w = channelWeights([1, 2, 3], 1);
    const z = [-Math.sqrt(1.5), 0, Math.sqrt(1.5)];
    const e = z.map(Math.exp);
    const total = e[0]! + e[1]! + e[2]!;
    Array.from(w).forEach((v, i) => expect(v).toBeCloseTo(e[i]! / total, 6));
    expect(Array.from(channelWeights([0.5, 0.5, 0.5, 0.5], 5))).toEqual([0.25, 0.25, 0.25, 0.25]);
    // A higher temperature flattens them.
    expect(channelWeights([1, 2, 3], 5)[2]! - channelWeights([1, 2, 3], 5)[0]!).toBeLessThan(w[2]! - w[0]!);
  });

  it('delta penalty: ½ Σ_c (C W_c / hw) mean_n ‖FM_c − FM⁰_c‖², gradient matches finite differences', () => {
    tf.tidy(() => {
      // n = 1, 1×2 map, 2 channels. Differences: channel 0 (1, 2) → 5, channel 1 (0, 3) → 9. W = (0.75, 0.25).
      const maps = { conv1: tf.tensor4d([1, 0, 2, 3], [1, 1, 2, 2]) };
      const start = { conv1: tf.zeros([1, 1, 2, 2]) as tf.Tensor4D };
      const weights = new Map([['conv1', tf.tensor1d([0.75, 0.25])]]);
      expect(value(deltaPenalty(maps, start, weights))).toBeCloseTo(0.5 * (2 / 2) * (0.75 * 5 + 0.25 * 9), 6);
    });
    const start = seeded([2, 2, 2, 3], 2) as tf.Tensor4D;
    const weights = new Map([['conv1', tf.tensor1d([0.5, 0.3, 0.2])]]);
    expectGradientMatches((x) => deltaPenalty({ conv1: x as tf.Tensor4D }, { conv1: start }, weights), seeded([2, 2, 2, 3], 4), 2e-2, 1e-3);
    tf.dispose([start, ...weights.values()]);
  });

  it('delta loss increases: a channel that is already dead costs nothing when zeroed, a used one does', () => {
    const net = new FinetuneNet({ inputShape: [4, 4, 1], channels: [2], dense: 3, classes: 2, seed: 1 });
    // Channel 0 of conv1 is dead (kernel and bias 0: ReLU output 0 everywhere).
    const kernel = net.namedVariables().get('conv1/kernel')!;
    const k = kernel.arraySync() as number[][][][];
    for (const row of k) for (const col of row) for (const inCh of col) inCh[0] = 0;
    kernel.assign(tf.tensor4d(k));
    const x = tf.abs(seeded([6, 4, 4, 1], 3));
    const y = tf.tensor1d([0, 1, 0, 1, 0, 1], 'int32');
    const features = tf.tidy(() => net.body(x).features.dataSync() as Float32Array);
    const head = fitHead(features, Int32Array.from(y.dataSync()), 2, { steps: 50 });
    const increases = channelLossIncreases(net, head, 'conv1', x, y);
    expect(increases).toHaveLength(2);
    expect(increases[0]).toBeCloseTo(0, 6);
    expect(Math.abs(increases[1]!)).toBeGreaterThan(1e-4);
    head.dispose();
    net.dispose();
    tf.dispose([x, y]);
  });
});

describe('feature penalties (kd features, tred)', () => {
  it('½ mean_n ‖f − g‖² and its gradient', () => {
    tf.tidy(() => {
      const f = tf.tensor2d([
        [1, 2],
        [0, 0],
      ]);
      const g = tf.tensor2d([
        [0, 0],
        [3, 4],
      ]);
      expect(value(featureDistance(f, g))).toBeCloseTo(0.5 * ((1 + 4 + 9 + 16) / 2), 6);
      expect(value(relevantDistance(f, g))).toBeCloseTo(7.5, 6);
      expect(Array.from(tf.grad((x: tf.Tensor) => featureDistance(x as tf.Tensor2D, g))(f).dataSync())).toEqual([0.5, 1, -1.5, -2]);
    });
  });

  it('MMD²: 0 for identical samples, 2 − 2e^{−d²/2σ²} for two points, gradient matches finite differences', () => {
    tf.tidy(() => {
      const a = tf.tensor2d([[0], [1], [3]]);
      expect(value(mmd2(a, a, [1]))).toBeCloseTo(0, 6);
      expect(value(mmd2(tf.tensor2d([[0]]), tf.tensor2d([[1]]), [1]))).toBeCloseTo(2 - 2 * Math.exp(-0.5), 6);
      expect(value(mmd2(tf.tensor2d([[0]]), tf.tensor2d([[1]]), [1, 2]))).toBeCloseTo(2 - 2 * Math.exp(-0.5) + 2 - 2 * Math.exp(-1 / 8), 6);
    });
    const b = seeded([4, 3], 8) as tf.Tensor2D;
    expectGradientMatches((x) => mmd2(x as tf.Tensor2D, b, [0.5, 1, 2]), seeded([5, 3], 6), 2e-2, 1e-3);
    b.dispose();
  });

  it('Min-MI surrogate: mean squared cross-correlation, 1 for identical 1-d parts, gradient matches finite differences', () => {
    tf.tidy(() => {
      const r = tf.tensor2d([[1], [2], [3], [4]]);
      expect(value(crossCorrelation2(r, r))).toBeCloseTo(1, 4);
      expect(value(crossCorrelation2(r, tf.neg(r)))).toBeCloseTo(1, 4);
      // Orthogonal centred columns: uncorrelated.
      expect(value(crossCorrelation2(tf.tensor2d([[1], [-1], [1], [-1]]), tf.tensor2d([[1], [1], [-1], [-1]])))).toBeCloseTo(0, 6);
    });
    const s = seeded([6, 2], 12) as tf.Tensor2D;
    expectGradientMatches((x) => crossCorrelation2(x as tf.Tensor2D, s), seeded([6, 2], 13), 3e-2, 1e-3);
    s.dispose();
  });

  it('TRED disentangling: the relevant part learns the target labels, the parts separate (Max-MMD), reconstruction holds', () => {
    // Features: dims 0–1 carry the class (±2), dims 2–5 are label-free noise.
    const n = 64;
    const d = 6;
    const noise = seeded([n, d], 21).dataSync();
    const f = new Float32Array(n * d);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      for (let k = 0; k < d; k++) f[i * d + k] = k < 2 ? (y[i] ? 2 : -2) + 0.3 * noise[i * d + k]! : noise[i * d + k]!;
    }
    const before = tf.memory().numTensors;
    const untrained = trainDisentangler(f, y, 2, { steps: 1, lr: 1e-9, seed: 0, reconstruction: 1, classification: 1, mmd: 1, mi: 0 });
    const trained = trainDisentangler(f, y, 2, { steps: 40, lr: 0.05, seed: 0, reconstruction: 4, classification: 1, mmd: 1, mi: 0.5 });
    expect(trained.final.classification).toBeLessThan(0.2);
    expect(trained.final.classification).toBeLessThan(untrained.final.classification);
    expect(trained.final.mmd).toBeGreaterThan(untrained.final.mmd + 0.05);
    // Within a tenth of the features' mean square: the two parts still hold what f⁰ holds.
    const meanSquare = f.reduce((a, v) => a + v * v, 0) / f.length;
    expect(trained.final.reconstruction).toBeLessThan(0.1 * meanSquare);
    untrained.disentangler.dispose();
    trained.disentangler.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('measures the final disentangler terms on at most evalSize examples, so memory does not grow with n² (13k labels overran the wasm heap)', () => {
    const n = 1500;
    const d = 4;
    const f = seeded([n, d], 22).dataSync() as Float32Array;
    const y = Int32Array.from({ length: n }, (_, i) => i % 2);
    const options = { steps: 1, lr: 1e-3, seed: 0, batchSize: 64, reconstruction: 1, classification: 1, mmd: 1, mi: 0 };
    const before = tf.memory().numTensors;
    let result: ReturnType<typeof trainDisentangler> | undefined;
    // MMD² over m examples keeps ~36 m×m float32 matrices alive at its peak: ~38 MB at m = 512, ~320 MB at the whole
    // 1,500 (measured: 1.3 GB at 3,000; 13k labels would need ~24 GB).
    const profile = tf.profile(() => {
      result = trainDisentangler(f, y, 2, options);
    });
    return profile.then((info) => {
      expect(info.peakBytes).toBeLessThan(100e6);
      expect(Number.isFinite(result!.final.mmd)).toBe(true);
      // The whole set when it is no larger than evalSize: the same terms as measured directly.
      const small = trainDisentangler(f.subarray(0, 40 * d), y.subarray(0, 40), 2, { ...options, evalSize: 40 });
      const direct = tf.tidy(() => small.disentangler.terms(tf.tensor2d(f.subarray(0, 40 * d), [40, d]), tf.tensor1d(y.subarray(0, 40), 'int32')).mmd.dataSync()[0]!);
      expect(small.final.mmd).toBeCloseTo(direct, 6);
      result!.disentangler.dispose();
      small.disentangler.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});

describe('the starting point as a teacher (kd)', () => {
  it('logits: D(q, p_θ) with q from the fitted head over the starting features; forward KL value and gradient p − q', () => {
    const kernel = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const bias = tf.tensor1d([0, 0]);
    const head = { kernel, bias, trainAccuracy: 1, logits: (f: tf.Tensor2D) => tf.add(tf.matMul(f, kernel), bias) as tf.Tensor2D, dispose: () => undefined };
    const setup = {
      config: FinetuneConfigSchema.parse({ plugin: 'finetune', task: 'finetune' }),
      objective: createTransferObjective(TransferSchema.parse({ divergence: 'forward', temperature: 1 })),
      log: createMemoryLogger(),
      fittedHead: () => head,
    } as unknown as RegulariserSetup;
    const reg = REGULARISERS.kd.create({ name: 'kd', weight: 1, from: 'logits' }, setup);
    const f0 = tf.tensor2d([[1, 0]]);
    const penalty = (z: tf.Tensor): tf.Scalar =>
      reg.penalty({ x: f0, y: tf.tensor1d([0], 'int32'), learner: { maps: {}, features: f0, logits: z as tf.Tensor2D }, start: { maps: {}, features: f0 } });
    const q = [Math.E / (1 + Math.E), 1 / (1 + Math.E)];
    const kl = q[0]! * Math.log(q[0]! / 0.5) + q[1]! * Math.log(q[1]! / 0.5);
    const z = tf.tensor2d([[0, 0]]);
    expect(tf.tidy(() => value(penalty(z)))).toBeCloseTo(kl, 5);
    const g = tf.tidy(() => Array.from(tf.grad(penalty)(z).dataSync()));
    expect(g[0]).toBeCloseTo(0.5 - q[0]!, 5);
    expect(g[1]).toBeCloseTo(0.5 - q[1]!, 5);
    tf.dispose([kernel, bias, f0, z]);
  });
});

describe('the registry and every regulariser on a batch', () => {
  const config = FinetuneConfigSchema.parse({ plugin: 'finetune', task: 'finetune', model: { channels: [2, 3], dense: 4 }, train: { batchSize: 4 } });

  function setupFor(learner: FinetuneNet, start: FinetuneNet, data: TaskData): RegulariserSetup {
    const features = tf.tidy(() => start.body(tf.tensor(data.train.x, [data.train.n, ...data.train.shape])).features.dataSync() as Float32Array);
    const head = fitHead(features, data.train.y, 2, { steps: 20 });
    return {
      config,
      learner,
      start,
      data,
      objective: createTransferObjective(TransferSchema.parse({ divergence: 'forward', temperature: 2 })),
      log: createMemoryLogger(),
      fittedHead: () => head,
      startFeatures: () => features,
    };
  }

  it('registers every name of the schema, each gives a finite scalar with a gradient for the learner, and frees what it holds', () => {
    expect(Object.keys(REGULARISERS).sort()).toEqual([...REGULARISER_NAMES].sort());
    const learner = new FinetuneNet({ inputShape: [8, 8, 1], channels: [2, 3], dense: 4, classes: 2, seed: 1 });
    const start = new FinetuneNet({ inputShape: [8, 8, 1], channels: [2, 3], dense: 4, classes: 2, seed: 2 });
    const xs = tf.abs(seeded([8, 8, 8, 1], 4));
    const split = { x: xs.dataSync() as Float32Array, y: Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]), n: 8, shape: [8, 8, 1], numClasses: 2 };
    const data: TaskData = { train: split, val: split, test: split, shape: [8, 8, 1], classes: [0, 1], contentHash: 'test' };
    const setup = setupFor(learner, start, data);
    const before = tf.memory().numTensors;
    for (const name of REGULARISER_NAMES) {
      const cfg = FinetuneConfigSchema.shape.regularisers.parse([{ name, ...(name === 'tred' ? { steps: 5 } : {}) }])[0]!;
      const reg = REGULARISERS[name].create(cfg as never, setup);
      const penalty = (): tf.Scalar =>
        tf.tidy(() => {
          const x = tf.tensor(split.x.subarray(0, 4 * 64), [4, 8, 8, 1]);
          const body = learner.body(x);
          const startBody = start.body(x);
          const step: StepFeatures = { x, y: tf.tensor1d([0, 1, 0, 1], 'int32'), learner: { ...body, logits: learner.headLogits(body.features) }, start: startBody };
          return reg.penalty(step);
        });
      const v = tf.tidy(() => penalty().dataSync()[0]!);
      expect(Number.isFinite(v)).toBe(true);
      if (name === 'none') expect(v).toBe(0);
      else {
        const grads = tf.tidy(() => {
          const { grads: g } = tf.variableGrads(penalty, learner.trainableVariables());
          return Object.values(g).reduce((s, t) => s + tf.sum(tf.abs(t)).dataSync()[0]!, 0);
        });
        expect({ name, grads: grads > 0 }).toEqual({ name, grads: true });
      }
      reg.dispose();
      expect({ name, tensors: tf.memory().numTensors }).toEqual({ name, tensors: before });
    }
    learner.dispose();
    start.dispose();
    xs.dispose();
  });
});
