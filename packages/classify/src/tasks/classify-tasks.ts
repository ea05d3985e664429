import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  asTeacher,
  configHash,
  createMemoryLogger,
  hasTensors,
  loadTensors,
  disposeMap,
  saveTensors,
  Trainer,
  writeJsonAtomic,
  ConfigError,
  type Learner,
  type Metrics,
  type StepContext,
  type Task,
  type TaskContext,
  type TaskRun,
  type Teacher,
  type TrainConfig,
} from '@kt/core';
import type { ClassifyConfig } from '../config-schema';
import { batchCount, exampleSize, type ClassificationSplit } from '../data';
import { buildModel, type ClassifierModel, type ModelSpecInput } from '../models';
import { loadClassificationData, type ClassificationData } from './classification-data';

/** Adapts a ClassifierModel to core's Teacher/Learner contract. */
function asModel(model: ClassifierModel, trainable: boolean): Teacher & { model: ClassifierModel } {
  return asTeacher(model, model.name, trainable);
}

/** The examples of batch `index` of epoch `epoch`: a seeded permutation per epoch, so resumption is exact. */
function batchIndices(n: number, batchSize: number, seed: number, epoch: number, index: number, cache: Map<number, Int32Array>): Int32Array {
  let order = cache.get(epoch);
  if (!order) {
    cache.clear();
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    // sfc-style LCG shuffle keyed by (seed, epoch)
    let state = (seed * 2654435761 + epoch * 40503 + 12345) >>> 0;
    for (let i = n - 1; i > 0; i--) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const j = state % (i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    cache.set(epoch, order);
  }
  return order.subarray(index * batchSize, Math.min(n, (index + 1) * batchSize));
}

function gather(split: ClassificationSplit, idx: Int32Array): { x: tf.Tensor; y: tf.Tensor1D } {
  const d = exampleSize(split.shape);
  const x = new Float32Array(idx.length * d);
  const y = new Int32Array(idx.length);
  idx.forEach((i, k) => {
    x.set(split.x.subarray(i * d, (i + 1) * d), k * d);
    y[k] = split.y[i]!;
  });
  return { x: tf.tensor(x, [idx.length, ...split.shape]), y: tf.tensor1d(y, 'int32') };
}

function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, numClasses), tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

/** The model's logits on every example of `split`, as a plain [n * classes] array. */
function logitsOf(model: ClassifierModel, split: ClassificationSplit, chunk = 1000): Float32Array {
  const out = new Float32Array(split.n * split.numClasses);
  for (let start = 0; start < split.n; start += chunk) {
    const idx = Int32Array.from({ length: Math.min(chunk, split.n - start) }, (_, k) => start + k);
    const values = tf.tidy(() => model.forward(gather(split, idx).x, false).dataSync());
    out.set(values, start * split.numClasses);
  }
  return out;
}

function rows(values: Float32Array, width: number, idx: Int32Array): tf.Tensor2D {
  const out = new Float32Array(idx.length * width);
  idx.forEach((i, k) => out.set(values.subarray(i * width, (i + 1) * width), k * width));
  return tf.tensor2d(out, [idx.length, width]);
}

/** Accuracy and mean NLL of `model` on `split`, in chunks. */
export function evaluateClassifier(model: ClassifierModel, split: ClassificationSplit, chunk = 1000): Metrics {
  let correct = 0;
  let nll = 0;
  for (let start = 0; start < split.n; start += chunk) {
    const idx = Int32Array.from({ length: Math.min(chunk, split.n - start) }, (_, k) => start + k);
    const [c, l] = tf.tidy(() => {
      const { x, y } = gather(split, idx);
      const logits = model.forward(x, false);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32'));
      const loss = tf.mul(crossEntropy(logits, y, split.numClasses), idx.length);
      return [hits.dataSync()[0]!, loss.dataSync()[0]!];
    });
    correct += c;
    nll += l;
  }
  return { accuracy: correct / split.n, nll: nll / split.n };
}

function stepsPerEpoch(split: ClassificationSplit, batchSize: number): number {
  return batchCount(split.n, batchSize);
}

/** Supervised training of one model on labels: used for the teacher and for `task: train`. */
function supervisedRun(model: Teacher & { model: ClassifierModel }, data: ClassificationData, train: TrainConfig): TaskRun {
  const cache = new Map<number, Int32Array>();
  const spe = stepsPerEpoch(data.train, train.batchSize);
  return {
    learner: model,
    stepsPerEpoch: spe,
    loss: (ctx: StepContext) => {
      const idx = batchIndices(data.train.n, train.batchSize, train.seed, ctx.epoch, ctx.step % spe, cache);
      const { x, y } = gather(data.train, idx);
      return crossEntropy(model.model.forward(x, true, ctx.rng.seed()), y, data.numClasses);
    },
    evaluate: async (split) => evaluateClassifier(model.model, data[split]),
    dispose: () => undefined,
  };
}

/** Trains the teacher, or loads it from `teacher.checkpoint` or from the cache of an identical earlier teacher. */
async function obtainTeacher(ctx: TaskContext, cfg: ClassifyConfig, data: ClassificationData): Promise<Teacher & { model: ClassifierModel }> {
  const model = buildModel(cfg.teacher.model as ModelSpecInput, { inputShape: data.shape, numClasses: data.numClasses, seed: cfg.teacher.seed, name: 'teacher' });
  const teacher = asModel(model, false);
  const load = (dir: string, name: string): void => {
    const w = loadTensors(dir, name);
    try {
      teacher.setWeights(w);
    } catch (err) {
      throw new ConfigError(`teacher weights in ${path.join(dir, name)} do not fit teacher.model: ${(err as Error).message}`);
    } finally {
      disposeMap(w);
    }
  };
  if (cfg.teacher.checkpoint) {
    const dir = path.dirname(cfg.teacher.checkpoint);
    const name = path.basename(cfg.teacher.checkpoint);
    if (!hasTensors(dir, name)) throw new ConfigError(`teacher.checkpoint: no ${name}.json/.bin in ${dir}`);
    load(dir, name);
    return teacher;
  }
  const key = configHash({ data: cfg.data, teacher: { ...cfg.teacher, checkpoint: undefined }, backend: ctx.backend });
  const dir = path.join(ctx.cacheDir, 'classify-teachers', key);
  if (hasTensors(dir, 'teacher')) {
    load(dir, 'teacher');
    ctx.log.info(`teacher: loaded from cache ${dir}`);
    return teacher;
  }
  ctx.log.info(`teacher: training ${model.parameterCount()} parameters (${cfg.teacher.model.kind})`);
  const trainCfg = { ...cfg.teacher.train, seed: cfg.teacher.seed };
  const trainer = new Trainer({ run: supervisedRun(teacher, data, trainCfg), train: trainCfg, log: createMemoryLogger() });
  const t0 = Date.now();
  try {
    await trainer.fit();
  } finally {
    trainer.dispose();
  }
  const metrics = evaluateClassifier(model, data.test);
  ctx.log.info(`teacher: test accuracy ${(metrics['accuracy']! * 100).toFixed(2)}% after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const weights = teacher.getWeights();
  try {
    saveTensors(dir, 'teacher', weights);
  } finally {
    disposeMap(weights);
  }
  writeJsonAtomic(path.join(dir, 'teacher-meta.json'), { test: metrics, parameters: model.parameterCount(), config: cfg.teacher });
  writeJsonAtomic(path.join(ctx.runDir, 'artifacts', 'teacher.json'), { test: metrics, parameters: model.parameterCount(), cache: dir });
  return teacher;
}

/** Knowledge distillation: α·CE(labels) + (1 − α)·D(teacher, learner), D and τ from `transfer`. */
export const classifyKdTask: Task = {
  plugin: 'classify',
  name: 'kd',
  description: 'train a teacher (cached), then distil it into a smaller learner with the configured divergence',
  async create(ctx: TaskContext): Promise<TaskRun> {
    const cfg = ctx.config as ClassifyConfig;
    const data = loadClassificationData(cfg.data);
    const alpha = ctx.objective.alpha;
    const teacher = alpha < 1 ? await obtainTeacher(ctx, cfg, data) : undefined;
    if (teacher) ctx.log.info(`teacher: test accuracy ${(evaluateClassifier(teacher.model, data.test)["accuracy"]! * 100).toFixed(2)}%`);
    const learnerModel = buildModel(cfg.learner.model as ModelSpecInput, { inputShape: data.shape, numClasses: data.numClasses, seed: cfg.train.seed, name: 'learner' });
    const learner: Learner = asModel(learnerModel, true);
    const train = cfg.train;
    // The teacher is frozen: its logits on the training set are computed once, not per batch.
    const teacherLogits = teacher ? logitsOf(teacher.model, data.train) : undefined;
    const cache = new Map<number, Int32Array>();
    const spe = stepsPerEpoch(data.train, train.batchSize);
    ctx.log.info(`learner: ${learnerModel.parameterCount()} parameters; ${data.train.n} training examples, ${spe} steps per epoch`);
    return {
      learner,
      teacher,
      stepsPerEpoch: spe,
      loss: (step: StepContext) => {
        const idx = batchIndices(data.train.n, train.batchSize, train.seed, step.epoch, step.step % spe, cache);
        const { x, y } = gather(data.train, idx);
        const logits = learnerModel.forward(x, true, step.rng.seed());
        const ce = alpha > 0 ? crossEntropy(logits, y, data.numClasses) : undefined;
        const kd = teacherLogits ? ctx.objective.distill(rows(teacherLogits, data.numClasses, idx), logits) : undefined;
        return ctx.objective.combine(ce, kd);
      },
      evaluate: async (split) => evaluateClassifier(learnerModel, data[split]),
      dispose: () => {
        learner.dispose();
        teacher?.dispose();
      },
    };
  },
};

/** Plain supervised training of the learner (no teacher): the reference point for KD. */
export const classifyTrainTask: Task = {
  plugin: 'classify',
  name: 'train',
  description: 'train the learner on labels only (no teacher)',
  async create(ctx: TaskContext): Promise<TaskRun> {
    const cfg = ctx.config as ClassifyConfig;
    const data = loadClassificationData(cfg.data);
    const model = asModel(
      buildModel(cfg.learner.model as ModelSpecInput, { inputShape: data.shape, numClasses: data.numClasses, seed: cfg.train.seed, name: 'learner' }),
      true,
    );
    const run = supervisedRun(model, data, cfg.train);
    return { ...run, dispose: () => model.dispose() };
  },
};
