// The finetune plugin's training step, for the kernel benchmark: @kt/finetune's FinetuneNet (conv 3×3 ×8 → pool →
// conv 3×3 ×16 → pool → fc 64 → head 5, as every shipped finetune config) fine-tuned on a target batch of 32 28×28×1
// images with loss CE(labels) + weight · penalty, core's FusedAdam (createOptimizer's adam), lr 1e-3 — the loss of
// @kt/finetune's finetune task (tasks/finetune-task.ts) with one regulariser, built from the package's exported penalty
// functions with the shipped configs' settings:
//   l2-sp  weight 1, α 0.01, β 0.01 (finetune-l2-sp.yaml): a function of the weights only;
//   bss    weight 0.001, k 1 (finetune-bss.yaml): the smallest squared singular value of the batch's fc features,
//          through kt's Jacobi eigensolver (the eigen-decomposition runs on the CPU in JS every step);
//   delta  weight 0.01, layers conv1, conv2, T 5 (finetune-delta.yaml): channel-weighted feature-map distance to the
//          frozen starting point, whose forward runs every step outside the tape (the task's prepareStep); the channel
//          weights are measured once before training (not timed), on this batch (sampleSize ≥ the batch).
// The starting point w⁰ is a FinetuneNet of another seed than the learner: in a real run the learner starts *at* w⁰
// (so ‖w − w⁰‖ and the map distance are 0 at the first step); apart, the initial-loss check against PyTorch covers
// every term of the penalty. The cost of a step is the same either way.
// Needs the built packages: `npx nx run-many -t build -p @kt/core,@kt/vision,@kt/finetune`.
import * as tf from '@tensorflow/tfjs';
import { createOptimizer, Rng, sequenceNll } from '@kt/core';
import { channelLossIncreases, channelWeights, deltaPenalty, FinetuneNet, fitHead, l2SpPenalty, smallestSingularValuesSquared } from '@kt/finetune';

export const FINETUNE_REGULARISERS = ['l2-sp', 'bss', 'delta'];

export const FINETUNE_STEP = {
  batch: 32,
  inputShape: [28, 28, 1],
  channels: [8, 16],
  dense: 64,
  classes: 5,
  lr: 1e-3,
  regularisers: {
    'l2-sp': { weight: 1, alpha: 0.01, beta: 0.01 },
    bss: { weight: 0.001, k: 1 },
    delta: { weight: 0.01, layers: ['conv1', 'conv2'], temperature: 5 },
  },
};

/** Tiny shapes for tests (same code paths). */
export const FINETUNE_STEP_TINY = { ...FINETUNE_STEP, batch: 6, inputShape: [8, 8, 1], channels: [3, 4], dense: 8, classes: 3 };

export function finetuneStepDescription(cfg = FINETUNE_STEP, regulariser = 'l2-sp') {
  const r = cfg.regularisers[regulariser];
  const settings = Object.entries(r)
    .filter(([k]) => k !== 'weight')
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
  return `FinetuneNet conv ${cfg.channels.join('-')} fc ${cfg.dense} head ${cfg.classes}, ${cfg.inputShape.join('x')}, batch ${cfg.batch}; CE + ${r.weight} · ${regulariser} (${settings}), Adam`;
}

/** Seeded batch: pixels uniform in [0, 1), labels uniform over the classes. */
function randomBatch(cfg, seed) {
  const rng = Rng.fromSeed(seed);
  const size = cfg.inputShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: cfg.batch * size }, () => rng.next());
  const y = Int32Array.from({ length: cfg.batch }, () => Math.floor(rng.next() * cfg.classes));
  return { x: tf.tensor(x, [cfg.batch, ...cfg.inputShape]), y: tf.tensor1d(y, 'int32') };
}

/**
 * Builds the learner, the frozen starting point, one target batch, the regulariser's state and the optimizer on the
 * current backend; step() → loss. `regulariser`: one of FINETUNE_REGULARISERS.
 */
export function finetuneTrainer(cfg = FINETUNE_STEP, regulariser = 'l2-sp') {
  if (!FINETUNE_REGULARISERS.includes(regulariser)) throw new Error(`finetune step: regulariser must be one of ${FINETUNE_REGULARISERS.join(', ')}, got '${regulariser}'`);
  const r = cfg.regularisers[regulariser];
  const net = (seed) => new FinetuneNet({ inputShape: cfg.inputShape, channels: cfg.channels, dense: cfg.dense, classes: cfg.classes, seed });
  const start = net(0);
  const learner = net(1);
  const batch = randomBatch(cfg, 11);
  const startWeights = start.getWeights();
  /** DELTA's channel weights per layer (measured once on the batch, through a head fitted on the starting point's features). */
  const channel = new Map();
  if (regulariser === 'delta') {
    const features = tf.tidy(() => start.body(batch.x).features.dataSync());
    const head = fitHead(Float32Array.from(features), Int32Array.from(batch.y.dataSync()), cfg.classes, { seed: 0 });
    try {
      for (const layer of r.layers) channel.set(layer, tf.tensor1d(channelWeights(channelLossIncreases(start, head, layer, batch.x, batch.y), r.temperature)));
    } finally {
      head.dispose();
    }
  }
  const opt = createOptimizer({ optimizer: 'adam', lr: cfg.lr });
  const vars = learner.trainableVariables();
  /** The starting point's maps on the batch (delta only), kept outside the tape as the task's prepareStep does. */
  const startMaps = () => tf.tidy(() => ({ ...start.body(batch.x).maps }));
  const loss = (maps0) => {
    const body = learner.body(batch.x);
    const ce = sequenceNll(learner.headLogits(body.features), batch.y);
    const penalty =
      regulariser === 'l2-sp'
        ? l2SpPenalty(learner.namedVariables(), startWeights, r.alpha, r.beta)
        : regulariser === 'bss'
          ? smallestSingularValuesSquared(body.features, r.k)
          : deltaPenalty(body.maps, maps0, channel);
    return tf.add(ce, tf.mul(penalty, r.weight));
  };
  const copies = [];
  return {
    optimizer: opt,
    /** The loss at the current weights (no update): the initial-loss check against PyTorch. */
    evalLoss() {
      const maps0 = regulariser === 'delta' ? startMaps() : undefined;
      const v = tf.tidy(() => loss(maps0).dataSync()[0]);
      if (maps0) tf.dispose(Object.values(maps0));
      return v;
    },
    /** Both networks' weights, the batch and DELTA's channel weights, as reference/finetune_step.py reads them. */
    namedTensors() {
      const named = [];
      for (const [prefix, model] of [['learner', learner], ['start', start]]) {
        for (const [name, t] of model.getWeights()) {
          copies.push(t);
          named.push([`${prefix}.${name}`, t]);
        }
      }
      for (const [layer, w] of channel) named.push([`channelWeights.${layer}`, w]);
      return [...named, ['batch.x', batch.x], ['batch.y', batch.y]];
    },
    meta: { config: cfg, regulariser },
    step() {
      const maps0 = regulariser === 'delta' ? startMaps() : undefined;
      const l = opt.minimize(() => loss(maps0), true, vars);
      const v = l.dataSync()[0];
      l.dispose();
      if (maps0) tf.dispose(Object.values(maps0));
      return v;
    },
    dispose() {
      opt.dispose();
      learner.dispose();
      start.dispose();
      tf.dispose([batch.x, batch.y, ...startWeights.values(), ...channel.values(), ...copies]);
    },
  };
}
