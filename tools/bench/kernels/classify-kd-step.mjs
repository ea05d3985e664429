// The classify plugin's KD step, for the kernel benchmark: ResNet teacher (widths 16-32-64, one basic block a
// stage, BatchNorm; eval mode, no gradient) -> small CNN learner (conv 16, conv 32, dense 64) on 28x28x1 images,
// batch 64, 10 classes; loss α·CE(labels) + (1 − α)·forward KL at τ = 4 (α = 0.5: fashion-forward.yaml's transfer),
// i.e. @kt/classify's kd-task loss (core's createTransferObjective, sequenceNll), and core's FusedAdam
// (createOptimizer's adam). Models: @kt/vision's buildModel (build it first: `npx nx run @kt/vision:build`).
// classify's kd task caches a frozen teacher's logits on the training set once; this step runs the teacher's
// forward every step (as with a trainable teacher, MetaDistil), so both networks are measured.
import * as tf from '@tensorflow/tfjs';
import { createTransferObjective, FusedAdam, Rng, sequenceNll } from '@kt/core';
import { buildModel } from '@kt/vision';

export const CLASSIFY_KD = {
  batch: 64,
  inputShape: [28, 28, 1],
  numClasses: 10,
  teacher: { kind: 'resnet', widths: [16, 32, 64], blocksPerStage: 1 },
  learner: { kind: 'cnn', channels: [16, 32], dense: 64 },
  transfer: { divergence: 'forward', temperature: 4, alpha: 0.5, lambda: 0 },
  lr: 1e-3,
};

export function classifyKdDescription(cfg = CLASSIFY_KD) {
  return `ResNet ${cfg.teacher.widths.join('-')} teacher -> CNN ${cfg.learner.channels.join('-')} dense ${cfg.learner.dense}, ${cfg.inputShape.join('x')}, batch ${cfg.batch}`;
}

/** Seeded batch: pixels uniform in [0, 1), labels uniform over the classes. */
function randomBatch(cfg, seed) {
  const rng = Rng.fromSeed(seed);
  const size = cfg.inputShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: cfg.batch * size }, () => rng.next());
  const y = Int32Array.from({ length: cfg.batch }, () => Math.floor(rng.next() * cfg.numClasses));
  return { x: tf.tensor(x, [cfg.batch, ...cfg.inputShape]), y: tf.tensor1d(y, 'int32') };
}

/** Builds teacher, learner, one batch and the optimizer on the current backend; step() -> loss. */
export function classifyKdTrainer(cfg = CLASSIFY_KD) {
  const common = { inputShape: cfg.inputShape, numClasses: cfg.numClasses };
  const teacher = buildModel(cfg.teacher, { ...common, seed: 2, name: 'teacher' });
  const learner = buildModel(cfg.learner, { ...common, seed: 1, name: 'learner' });
  const objective = createTransferObjective(cfg.transfer);
  const batch = randomBatch(cfg, 11);
  const vars = learner.trainableVariables();
  const opt = new FusedAdam(cfg.lr);
  let seed = 0;
  /** Weight copies handed out by namedTensors (freed with the trainer). */
  const copies = [];
  const loss = (teacherLogits, dropoutSeed) => {
    const logits = learner.forward(batch.x, true, dropoutSeed);
    return objective.combine(sequenceNll(logits, batch.y), objective.distill(teacherLogits, logits));
  };
  return {
    optimizer: opt,
    /** The loss at the current weights (no update): the initial-loss check against PyTorch. */
    evalLoss: () => tf.tidy(() => loss(teacher.forward(batch.x, false), 0).dataSync()[0]),
    /** Every weight of both models (BatchNorm running statistics included) and the batch, as reference/classify_kd_step.py reads them. */
    namedTensors() {
      const named = [];
      for (const [prefix, model] of [['learner', learner], ['teacher', teacher]]) {
        for (const [name, t] of model.getWeights()) {
          copies.push(t);
          named.push([`${prefix}.${name}`, t]);
        }
      }
      return [...named, ['batch.x', batch.x], ['batch.y', batch.y]];
    },
    step() {
      const teacherLogits = tf.tidy(() => teacher.forward(batch.x, false));
      const l = opt.minimize(() => loss(teacherLogits, seed++), true, vars);
      const v = l.dataSync()[0];
      tf.dispose([l, teacherLogits]);
      return v;
    },
    dispose() {
      opt.dispose();
      learner.dispose();
      teacher.dispose();
      tf.dispose([batch.x, batch.y, ...copies]);
    },
  };
}
