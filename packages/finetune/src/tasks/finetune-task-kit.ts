import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  asLearner,
  asTeacher,
  ConfigError,
  disposeMap,
  readRunConfig,
  readRunWeights,
  readSummary,
  Rng,
  sequenceNll,
  writeJsonAtomic,
  type ConfigIssue,
  type Learner,
  type Metrics,
  type StepContext,
  type Task,
  type TaskContext,
  type TaskRun,
  type Teacher,
  type TrainConfig,
  type TransferObjective,
  type Wrapped,
} from '@kt/core';
import { FINETUNE_PLUGIN, FinetuneConfigSchema, type FinetuneConfig } from '../config-schema';
import type { SyntheticData, SyntheticSplit } from '../data/synthetic-data';
import { LinearSoftmaxModel, FINETUNE_MODEL_VERSION } from '../models/linear-softmax-model';

/** A finetune task: typed by the plugin's config and by the batch its steps prepare (no casts anywhere). */
export type FinetuneTask<P extends Batch> = Task<FinetuneConfig, P>;

/** What `evaluate` of task `train` reports (and so what the teacher runs it makes report). */
export const FINETUNE_TRAIN_METRICS = ['accuracy', 'nll'] as const;
/** What `evaluate` of task `kd` reports: the learner's scores, plus how close it is to its teacher. */
export const FINETUNE_KD_METRICS = [...FINETUNE_TRAIN_METRICS, 'divergence', 'agreement'] as const;

/** Standard deviation of a learner's initial weights: close to the uniform distribution. */
const LEARNER_INIT_SCALE = 0.1;

/** The rows of one training step as tensors; the trainer calls `dispose` after the update. */
export interface Batch {
  readonly x: tf.Tensor2D;
  readonly y: tf.Tensor1D;
  dispose(): void;
}

/** Rows `rows` of `split` as tensors. */
export function batchOf(split: SyntheticSplit, features: number, rows: readonly number[]): Batch {
  const xs = new Float32Array(rows.length * features);
  rows.forEach((r, i) => xs.set(split.x.subarray(r * features, (r + 1) * features), i * features));
  const x = tf.tensor2d(xs, [rows.length, features]);
  const y = tf.tensor1d(Int32Array.from(rows, (r) => split.y[r]!), 'int32');
  return { x, y, dispose: () => tf.dispose([x, y]) };
}

/** A whole split as tensors (evaluation; call inside `tf.tidy`). */
function splitTensors(split: SyntheticSplit, features: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  return { x: tf.tensor2d(split.x, [split.n, features]), y: tf.tensor1d(split.y, 'int32') };
}

/**
 * The training rows of each step: every epoch visits all rows in an order drawn from core's Rng for
 * (seed, epoch), so a resumed run sees exactly the batches an uninterrupted one would.
 */
export class EpochOrder {
  private epoch = -1;
  private order: number[] = [];
  readonly batchSize: number;

  constructor(
    private readonly n: number,
    batchSize: number,
    private readonly seed: number,
  ) {
    this.batchSize = Math.min(batchSize, n);
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.n / this.batchSize);
  }

  rowsAt(step: StepContext): number[] {
    if (step.epoch !== this.epoch) {
      this.order = Rng.derive(this.seed, 0xba7c, step.epoch).permutation(this.n);
      this.epoch = step.epoch;
    }
    const start = (step.step % this.stepsPerEpoch) * this.batchSize;
    return this.order.slice(start, start + this.batchSize);
  }
}

/** A fresh linear-softmax learner for `config` (initialised from `train.seed`). */
export function newLearner(config: FinetuneConfig): Learner & Wrapped<LinearSoftmaxModel> {
  const { features, classes } = config.data;
  return asLearner(new LinearSoftmaxModel(features, classes, Rng.derive(config.train.seed, 0x1ea7), LEARNER_INIT_SCALE));
}

/** Accuracy against the labels and mean NLL (core's `sequenceNll`: kt's one cross-entropy). */
export function labelMetrics(model: LinearSoftmaxModel, split: SyntheticSplit): Metrics {
  return tf.tidy(() => {
    const { x, y } = splitTensors(split, model.features);
    const logits = model.logits(x);
    const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32')).dataSync()[0]!;
    const nll = sequenceNll(logits, y).dataSync()[0]!;
    return { accuracy, nll };
  });
}

/** The configured divergence D(teacher, learner) on a whole split, and how often their argmax agree. */
export function teacherMetrics(learner: LinearSoftmaxModel, teacher: LinearSoftmaxModel, split: SyntheticSplit, objective: TransferObjective): Metrics {
  return tf.tidy(() => {
    const { x } = splitTensors(split, learner.features);
    const learnerLogits = learner.logits(x);
    const teacherLogits = teacher.logits(x);
    const divergence = objective.distill(teacherLogits, learnerLogits).dataSync()[0]!;
    const agreement = tf.mean(tf.cast(tf.equal(tf.argMax(learnerLogits, -1), tf.argMax(teacherLogits, -1)), 'float32')).dataSync()[0]!;
    return { divergence, agreement };
  });
}

/** Writes `test-confusion.json`: row-major `[label][prediction]` counts of `model` on `split`. */
export function writeConfusion(dir: string, model: LinearSoftmaxModel, split: SyntheticSplit): void {
  const predicted = tf.tidy(() => tf.argMax(model.logits(splitTensors(split, model.features).x), -1).dataSync());
  const counts = Array.from({ length: model.classes }, () => new Array<number>(model.classes).fill(0));
  for (let i = 0; i < split.n; i++) counts[split.y[i]!]![predicted[i]!] += 1;
  writeJsonAtomic(path.join(dir, 'test-confusion.json'), { rows: 'label', columns: 'prediction', counts });
}

/** Supervised training on the labels (cross-entropy): task `train`, which is also how `kd` trains its teacher. */
export function supervisedRun(learner: Learner & Wrapped<LinearSoftmaxModel>, data: SyntheticData, train: TrainConfig): TaskRun<Batch> {
  const order = new EpochOrder(data.train.n, train.batchSize, train.seed);
  return {
    learner,
    stepsPerEpoch: order.stepsPerEpoch,
    prepareStep: async (step) => batchOf(data.train, data.features, order.rowsAt(step)),
    loss: (_step, batch) => sequenceNll(learner.model.logits(batch.x), batch.y) as tf.Scalar,
    evaluate: async (split) => labelMetrics(learner.model, data[split]),
    writeArtifacts: async (dir) => writeConfusion(dir, learner.model, data.test),
    dispose: () => learner.dispose(),
  };
}

/** The experiment that trains `config`'s teacher: task `train` on the same data with the `teacher.train` settings. */
export function teacherRunConfig(config: FinetuneConfig): FinetuneConfig {
  return FinetuneConfigSchema.parse({
    plugin: FINETUNE_PLUGIN,
    task: 'train',
    name: 'teacher',
    backend: config.backend,
    data: config.data,
    train: config.teacher.train,
    output: config.output,
  });
}

/** The frozen teacher of a `kd` run and the run it comes from. */
export interface LoadedTeacher {
  readonly teacher: Teacher & Wrapped<LinearSoftmaxModel>;
  /** The teacher's run directory (provisioned by core, or `teacher.checkpoint`). */
  readonly runDir: string;
  readonly test?: Metrics;
}

/** The final weights of a `train` run as a frozen teacher; weights that do not fit are a ConfigError naming the run. */
export function loadTeacher(runDir: string, data: SyntheticData): Teacher & Wrapped<LinearSoftmaxModel> {
  const model = new LinearSoftmaxModel(data.features, data.classes, Rng.fromSeed(0), 0);
  const weights = readRunWeights(runDir);
  try {
    model.setWeights(weights);
  } catch (err) {
    model.dispose();
    throw new ConfigError(`teacher run ${runDir}: its weights do not fit this config's data: ${(err as Error).message}`);
  } finally {
    disposeMap(weights);
  }
  return asTeacher(model);
}

/**
 * The teacher of task `kd`: the run named by `teacher.checkpoint`, or one core provisions — trained as a
 * `train` run of its own under `<output>/.cache/teachers/`, keyed by the teacher config, the data's content
 * hash and the model version, and reused by every later run with the same three.
 */
export async function obtainTeacher(ctx: TaskContext<FinetuneConfig>, data: SyntheticData): Promise<LoadedTeacher> {
  const { config } = ctx;
  if (config.teacher.checkpoint !== undefined) {
    const runDir = path.resolve(config.teacher.checkpoint);
    return { teacher: loadTeacher(runDir, data), runDir, test: readSummary(runDir)?.test };
  }
  const provisioned = await ctx.teachers.provision({
    config: teacherRunConfig(config),
    dataHash: data.contentHash,
    modelVersion: FINETUNE_MODEL_VERSION,
  });
  return { teacher: loadTeacher(provisioned.runDir, data), runDir: provisioned.runDir, test: provisioned.test };
}

const FINISHED: ReadonlySet<string> = new Set(['completed', 'stopped-early']);

/** `teacher.checkpoint` must be a finished `finetune` `train` run on data of the same shape. */
function checkpointIssues(checkpoint: string, config: FinetuneConfig): ConfigIssue[] {
  const problem = (message: string): ConfigIssue[] => [{ path: 'teacher.checkpoint', message: `${checkpoint}: ${message}` }];
  const dir = path.resolve(checkpoint);
  if (!fs.existsSync(path.join(dir, 'config.json'))) return problem('not a kt run directory (no config.json)');
  const summary = readSummary(dir);
  if (!summary || !FINISHED.has(summary.status)) return problem(`not a finished run (status: ${summary?.status ?? 'no summary.json'})`);
  if (summary.plugin !== FINETUNE_PLUGIN || summary.task !== 'train') {
    return problem(`a ${summary.plugin}.${summary.task} run; the teacher must be a ${FINETUNE_PLUGIN}.train run`);
  }
  const trained = FinetuneConfigSchema.safeParse(readRunConfig(dir));
  if (!trained.success) return problem(`its config.json is not a valid ${FINETUNE_PLUGIN} config`);
  const { features, classes } = trained.data.data;
  if (features !== config.data.features || classes !== config.data.classes) {
    return problem(`trained on ${features} features × ${classes} classes; this config has ${config.data.features} × ${config.data.classes}`);
  }
  return [];
}

/**
 * The checks of task `kd` that `kt validate` and `kt run` make before any training: a `teacher.checkpoint`
 * that cannot serve as the teacher, and a teacher early-stopping metric its `train` run does not report
 * (which would otherwise fail only once the KD run had started).
 */
export function teacherIssues(config: FinetuneConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const reported: readonly string[] = FINETUNE_TRAIN_METRICS;
  const es = config.teacher.train.earlyStopping;
  if (es && !reported.includes(es.metric)) {
    issues.push({ path: 'teacher.train.earlyStopping.metric', message: `the teacher's train run does not report "${es.metric}"; it reports: ${reported.join(', ')}` });
  }
  if (config.teacher.checkpoint !== undefined) issues.push(...checkpointIssues(config.teacher.checkpoint, config));
  return issues;
}
