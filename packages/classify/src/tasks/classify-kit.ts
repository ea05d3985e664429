import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  asTeacher,
  ConfigError,
  disposeMap,
  hasTensors,
  loadTensors,
  readRunWeights,
  readSummary,
  sequenceNll,
  type ConfigIssue,
  type Learner,
  type Metrics,
  type StepContext,
  type Task,
  type TaskContext,
  type TaskRun,
  type Teacher,
  type TrainConfig,
  type Wrapped,
} from '@kt/core';
import { ClassifyConfigSchema, type ClassifyConfig } from '../config-schema';
import { batchCount, batchIndices, buildModel, exampleSize, VISION_MODEL_VERSION, type ClassificationSplit, type ClassifierModel, type ModelSpecInput } from '@kt/vision';
import type { ClassificationData } from './classification-data';

/** A classify task, typed by the classify config (its steps prepare nothing). */
export type ClassifyTask = Task<ClassifyConfig, undefined>;

/** What the classify tasks' `evaluate` reports. */
export const CLASSIFY_METRICS = ['accuracy', 'nll'] as const;

/** The batches of one pass over `n` examples: batch `step mod count` of the step's epoch, from data's seeded `batchIndices`. */
export class EpochBatches {
  constructor(
    private readonly n: number,
    readonly batchSize: number,
    private readonly seed: number,
  ) {}

  get count(): number {
    return batchCount(this.n, this.batchSize);
  }

  /** The example indices of the batch trained at `step` (a pure function of the step: resumption is exact). */
  at(step: StepContext): Int32Array {
    return batchIndices(this.n, this.batchSize, this.seed, step.epoch, step.step % this.count);
  }
}

export function gather(split: ClassificationSplit, idx: Int32Array): { x: tf.Tensor; y: tf.Tensor1D } {
  const d = exampleSize(split.shape);
  const x = new Float32Array(idx.length * d);
  const y = new Int32Array(idx.length);
  idx.forEach((i, k) => {
    x.set(split.x.subarray(i * d, (i + 1) * d), k * d);
    y[k] = split.y[i]!;
  });
  return { x: tf.tensor(x, [idx.length, ...split.shape]), y: tf.tensor1d(y, 'int32') };
}

function chunks(n: number, size: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let start = 0; start < n; start += size) out.push(Int32Array.from({ length: Math.min(size, n - start) }, (_, k) => start + k));
  return out;
}

/** The model's logits on every example of `split`, as a plain [n * classes] array. */
export function logitsOf(model: ClassifierModel, split: ClassificationSplit, chunk = 1000): Float32Array {
  const out = new Float32Array(split.n * split.numClasses);
  for (const idx of chunks(split.n, chunk)) {
    const values = tf.tidy(() => model.forward(gather(split, idx).x, false).dataSync());
    out.set(values, idx[0]! * split.numClasses);
  }
  return out;
}

/** Rows `idx` of a [n * width] array as a [idx.length, width] tensor. */
export function rows(values: Float32Array, width: number, idx: Int32Array): tf.Tensor2D {
  const out = new Float32Array(idx.length * width);
  idx.forEach((i, k) => out.set(values.subarray(i * width, (i + 1) * width), k * width));
  return tf.tensor2d(out, [idx.length, width]);
}

/** Accuracy and mean NLL of `model` on `split`, in chunks. An empty split is an error, never NaN. */
export function evaluateClassifier(model: ClassifierModel, split: ClassificationSplit, chunk = 1000): Metrics {
  if (split.n === 0) throw new ConfigError('cannot evaluate on an empty split (check the data split fractions)');
  let correct = 0;
  let nll = 0;
  for (const idx of chunks(split.n, chunk)) {
    const [c, l] = tf.tidy(() => {
      const { x, y } = gather(split, idx);
      const logits = model.forward(x, false);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32'));
      return [hits.dataSync()[0]!, sequenceNll(logits, y, undefined, { reduction: 'sum' }).dataSync()[0]!];
    });
    correct += c;
    nll += l;
  }
  return { accuracy: correct / split.n, nll: nll / split.n };
}

/** Builds a model of `spec` for `data`. */
export function modelFor(spec: ModelSpecInput, data: ClassificationData, seed: number, name: string): ClassifierModel {
  return buildModel(spec, { inputShape: data.shape, numClasses: data.numClasses, seed, name });
}

/** Supervised training of one model on labels (cross-entropy): task `train`, which also trains teachers. */
export function supervisedRun(learner: Learner & Wrapped<ClassifierModel>, data: ClassificationData, train: TrainConfig): TaskRun<undefined> {
  const batches = new EpochBatches(data.train.n, train.batchSize, train.seed);
  return {
    learner,
    stepsPerEpoch: batches.count,
    loss: (step) => {
      const { x, y } = gather(data.train, batches.at(step));
      return sequenceNll(learner.model.forward(x, true, step.rng.seed()), y) as tf.Scalar;
    },
    evaluate: async (split) => evaluateClassifier(learner.model, data[split]),
    dispose: () => learner.dispose(),
  };
}

/** sha256 of every split's features and labels: the teacher cache's data key (content, not path). */
export function dataContentHash(data: ClassificationData): string {
  const hash = crypto.createHash('sha256').update(JSON.stringify({ shape: data.shape, numClasses: data.numClasses }));
  for (const split of [data.train, data.val, data.test]) hash.update(`|${split.n}|`).update(split.x).update(split.y);
  return hash.digest('hex').slice(0, 16);
}

/** The experiment that trains `cfg`'s teacher: task `train` with the teacher's model, optimizer settings and seed. */
export function teacherRunConfig(cfg: ClassifyConfig): ClassifyConfig {
  return ClassifyConfigSchema.parse({
    plugin: 'classify',
    task: 'train',
    name: 'teacher',
    backend: cfg.backend,
    data: cfg.data,
    learner: { model: cfg.teacher.model },
    train: { ...cfg.teacher.train, seed: cfg.teacher.seed },
    output: cfg.output,
  });
}

/** A teacher for KD: the model and its test scores. */
export interface ClassifyTeacher {
  teacher: Teacher & Wrapped<ClassifierModel>;
  source: string;
  test: Metrics;
}

function loadWeights(model: ClassifierModel, weights: Map<string, tf.Tensor>, where: string): void {
  try {
    model.setWeights(weights);
  } catch (err) {
    throw new ConfigError(`teacher weights in ${where} do not fit teacher.model: ${(err as Error).message}`);
  } finally {
    disposeMap(weights);
  }
}

/**
 * The teacher of task `kd`: `teacher.checkpoint` (a classify `train` run directory, or a kt tensor file base
 * path `<dir>/<name>`), or a teacher provisioned by core — trained from `teacher.*` as a classify `train` run,
 * cached and reused by later runs with the same teacher config and data content.
 */
export async function obtainTeacher(ctx: TaskContext<ClassifyConfig>, data: ClassificationData): Promise<ClassifyTeacher> {
  const cfg = ctx.config;
  const model = modelFor(cfg.teacher.model, data, cfg.teacher.seed, 'teacher');
  const teacher = asTeacher(model);
  try {
    let source: string;
    const checkpoint = cfg.teacher.checkpoint;
    if (checkpoint !== undefined && fs.existsSync(path.join(checkpoint, 'summary.json'))) {
      source = path.resolve(checkpoint);
      loadWeights(model, readRunWeights(source), source);
    } else if (checkpoint !== undefined) {
      const dir = path.dirname(checkpoint);
      const name = path.basename(checkpoint);
      if (!hasTensors(dir, name)) throw new ConfigError(`teacher.checkpoint: no ${name}.json/.bin in ${dir}`);
      source = checkpoint;
      loadWeights(model, loadTensors(dir, name), checkpoint);
    } else {
      ctx.log.info(`teacher: ${model.parameterCount()} parameters (${cfg.teacher.model.kind})`);
      const provisioned = await ctx.teachers.provision({ config: teacherRunConfig(cfg), dataHash: dataContentHash(data), modelVersion: VISION_MODEL_VERSION });
      source = provisioned.runDir;
      loadWeights(model, readRunWeights(source), source);
    }
    const test = readSummary(source)?.test ?? evaluateClassifier(model, data.test);
    ctx.log.info(`teacher: test accuracy ${(test['accuracy']! * 100).toFixed(2)}% (${source})`);
    return { teacher, source, test };
  } catch (err) {
    teacher.dispose();
    throw err;
  }
}

/** Files a classify config names that `kt validate` can check without loading them. */
export function classifyIssues(cfg: ClassifyConfig, options: { teacher: boolean }): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (cfg.data.source === 'csv' && !fs.existsSync(path.resolve(cfg.data.path))) {
    issues.push({ path: 'data.path', message: `file ${cfg.data.path} does not exist` });
  }
  if (cfg.data.source === 'idx' && !fs.existsSync(path.resolve(cfg.data.dir))) {
    issues.push({ path: 'data.dir', message: `folder ${cfg.data.dir} does not exist` });
  }
  if (!options.teacher) return issues;
  const checkpoint = cfg.teacher.checkpoint;
  if (checkpoint !== undefined && !fs.existsSync(path.join(checkpoint, 'summary.json')) && !hasTensors(path.dirname(checkpoint), path.basename(checkpoint))) {
    issues.push({ path: 'teacher.checkpoint', message: `${checkpoint} is neither a classify run directory nor a kt tensor file (<dir>/<name>.json + .bin)` });
  }
  const es = cfg.teacher.train.earlyStopping;
  if (es && !(CLASSIFY_METRICS as readonly string[]).includes(es.metric)) {
    issues.push({ path: 'teacher.train.earlyStopping.metric', message: `the teacher's train run does not report "${es.metric}"; it reports: ${CLASSIFY_METRICS.join(', ')}` });
  }
  return issues;
}
