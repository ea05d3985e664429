import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  ConfigError,
  disposeMap,
  readRunConfig,
  readRunWeights,
  isFinished,
  readSummary,
  Rng,
  sequenceNll,
  writeJsonAtomic,
  type ConfigIssue,
  type Metrics,
  type StepContext,
  type Task,
  type TaskContext,
} from '@kt/core';
import { exampleSize, imageDataIssues, type ClassificationSplit } from '@kt/vision';
import { FINETUNE_PLUGIN, FinetuneConfigSchema, FinetuneDataSchema, type FinetuneConfig } from '../config-schema';
import { loadSourceData, type TaskData } from '../data/finetune-data';
import { FINETUNE_MODEL_VERSION, FinetuneNet } from '../models/finetune-net';

/** A finetune task: typed by the plugin's config and by the batch its steps prepare. */
export type FinetuneTask<P extends { dispose(): void }> = Task<FinetuneConfig, P>;

/** What `evaluate` of both tasks reports. */
export const FINETUNE_METRICS = ['accuracy', 'nll'] as const;

/** The artifact a `pretrain` run writes beside its weights: what its model takes and predicts. */
export const SOURCE_MODEL_FILE = 'source-model.json';
export interface SourceModelRecord {
  readonly inputShape: readonly number[];
  /** The source classes (ids of the source images), in label order. */
  readonly classes: readonly number[];
  readonly channels: readonly number[];
  readonly dense: number;
}

/**
 * The rows of each step: the epochs' seeded permutations (core's `Rng.derive(seed, key, epoch)`) laid end to end and cut
 * into batches of exactly `min(batchSize, n)` rows, a batch crossing into the next epoch's order when n is not a
 * multiple (BSS needs every batch to have the configured size). A pure function of the step: resumption is exact.
 */
export class BatchOrder {
  readonly batchSize: number;
  private cache = new Map<number, number[]>();

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

  rowsAt(step: Pick<StepContext, 'step'>): number[] {
    const start = step.step * this.batchSize;
    const rows: number[] = [];
    for (let p = start; p < start + this.batchSize; p++) rows.push(this.epochOrder(Math.floor(p / this.n))[p % this.n]!);
    return rows;
  }

  private epochOrder(epoch: number): number[] {
    let order = this.cache.get(epoch);
    if (!order) {
      order = Rng.derive(this.seed, 0xba7c, epoch).permutation(this.n);
      if (this.cache.size > 4) this.cache.clear();
      this.cache.set(epoch, order);
    }
    return order;
  }
}

/** Rows `rows` of `split` as tensors x [b, h, w, c] and y [b] (int32). */
export function gatherRows(split: ClassificationSplit, rows: readonly number[]): { x: tf.Tensor; y: tf.Tensor1D } {
  const d = exampleSize(split.shape);
  const x = new Float32Array(rows.length * d);
  rows.forEach((r, i) => x.set(split.x.subarray(r * d, (r + 1) * d), i * d));
  return { x: tf.tensor(x, [rows.length, ...split.shape]), y: tf.tensor1d(Int32Array.from(rows, (r) => split.y[r]!), 'int32') };
}

function chunks(n: number, size: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < n; s += size) out.push(Array.from({ length: Math.min(size, n - s) }, (_, k) => s + k));
  return out;
}

/** Accuracy and mean NLL of `model` on `split`, in chunks. */
export function evaluateNet(model: FinetuneNet, split: ClassificationSplit): Metrics {
  if (split.n === 0) throw new ConfigError('cannot evaluate on an empty split');
  let correct = 0;
  let nll = 0;
  for (const rows of chunks(split.n, 500)) {
    const [c, l] = tf.tidy(() => {
      const { x, y } = gatherRows(split, rows);
      const logits = model.forward(x);
      return [tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32')).dataSync()[0]!, sequenceNll(logits, y, undefined, { reduction: 'sum' }).dataSync()[0]!];
    });
    correct += c;
    nll += l;
  }
  return { accuracy: correct / split.n, nll: nll / split.n };
}

/** The `fc` features of `model` on every example of `split`, [n·dense]. */
export function featuresOf(model: FinetuneNet, split: ClassificationSplit): Float32Array {
  const out = new Float32Array(split.n * model.dense);
  for (const rows of chunks(split.n, 500)) {
    const values = tf.tidy(() => model.body(gatherRows(split, rows).x).features.dataSync());
    out.set(values, rows[0]! * model.dense);
  }
  return out;
}

/**
 * The experiment that pre-trains `config`'s source model: task `pretrain` on `data.source` with the network of `model`
 * and the `pretrain.train` settings. The target, the regularisers and `model.head` are left at their defaults so every
 * fine-tuning config with the same source shares one cached source model (core keys it by this config without `data`,
 * plus the source data's content hash and FINETUNE_MODEL_VERSION).
 */
export function pretrainRunConfig(config: FinetuneConfig): FinetuneConfig {
  return FinetuneConfigSchema.parse({
    plugin: FINETUNE_PLUGIN,
    task: 'pretrain',
    name: 'pretrain',
    backend: config.backend,
    data: { ...FinetuneDataSchema.parse({}), source: config.data.source },
    model: { channels: config.model.channels, dense: config.model.dense },
    train: config.pretrain.train,
    output: config.output,
  });
}

/** The pre-trained source model, frozen, and where it comes from. */
export interface SourceModel {
  readonly model: FinetuneNet;
  readonly record: SourceModelRecord;
  /** The `pretrain` run directory (provisioned by core, or `pretrain.checkpoint`). */
  readonly runDir: string;
  readonly fromCache?: boolean;
  readonly test?: Metrics;
}

function readRecord(runDir: string): SourceModelRecord {
  const file = path.join(runDir, 'artifacts', SOURCE_MODEL_FILE);
  if (!fs.existsSync(file)) throw new ConfigError(`pretrain.checkpoint: ${runDir}: no artifacts/${SOURCE_MODEL_FILE} (not a finished finetune pretrain run)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SourceModelRecord;
}

/** The source model's input shape must be the target data's: a ConfigError naming both otherwise. */
export function checkInputShape(sourceShape: readonly number[], target: TaskData, where: string): void {
  if (!tf.util.arraysEqual([...sourceShape], [...target.shape])) {
    throw new ConfigError(
      `data.target: the target images have shape [${target.shape.join(', ')}] but the source model (${where}) takes [${sourceShape.join(', ')}]; pick source and target images of the same size`,
    );
  }
}

/**
 * The starting point of task `finetune`: the run named by `pretrain.checkpoint`, or one core provisions — trained as a
 * `pretrain` run of its own under `<output>/.cache/teachers/`, reused by every later run with the same source. The
 * source data's shape is checked against the target's before any pre-training.
 */
export async function obtainSourceModel(ctx: TaskContext<FinetuneConfig>, target: TaskData): Promise<SourceModel> {
  const { config } = ctx;
  let runDir: string;
  let fromCache: boolean | undefined;
  let test: Metrics | undefined;
  if (config.pretrain.checkpoint !== undefined) {
    runDir = path.resolve(config.pretrain.checkpoint);
    checkInputShape(readRecord(runDir).inputShape, target, `pretrain.checkpoint ${runDir}`);
    test = readSummary(runDir)?.test;
  } else {
    const source = loadSourceData(config.data.source);
    checkInputShape(source.shape, target, `trained on data.source`);
    const provisioned = await ctx.teachers.provision({ config: pretrainRunConfig(config), dataHash: source.contentHash, modelVersion: FINETUNE_MODEL_VERSION });
    ({ runDir, fromCache, test } = provisioned);
  }
  const record = readRecord(runDir);
  const model = new FinetuneNet({ inputShape: record.inputShape, channels: record.channels, dense: record.dense, classes: record.classes.length, seed: 0 });
  const weights = readRunWeights(runDir);
  try {
    model.setWeights(weights);
  } catch (err) {
    model.dispose();
    throw new ConfigError(`pretrain: the source model in ${runDir} does not fit model.*: ${(err as Error).message}`);
  } finally {
    disposeMap(weights);
  }
  return { model, record, runDir, fromCache, test };
}

/** `pretrain.checkpoint` must be a finished `finetune` `pretrain` run of the configured network. */
function checkpointIssues(checkpoint: string, config: FinetuneConfig): ConfigIssue[] {
  const problem = (message: string): ConfigIssue[] => [{ path: 'pretrain.checkpoint', message: `${checkpoint}: ${message}` }];
  const dir = path.resolve(checkpoint);
  if (!fs.existsSync(path.join(dir, 'config.json'))) return problem('not a kt run directory (no config.json)');
  const summary = readSummary(dir);
  if (!summary || !isFinished(summary)) return problem(`not a finished run (status: ${summary?.status ?? 'no summary.json'})`);
  if (summary.plugin !== FINETUNE_PLUGIN || summary.task !== 'pretrain') return problem(`a ${summary.plugin}.${summary.task} run; the source model must be a ${FINETUNE_PLUGIN}.pretrain run`);
  const trained = FinetuneConfigSchema.safeParse(readRunConfig(dir));
  if (!trained.success) return problem(`its config.json is not a valid ${FINETUNE_PLUGIN} config`);
  const m = trained.data.model;
  if (m.dense !== config.model.dense || m.channels.join(',') !== config.model.channels.join(',')) {
    return problem(`its network is channels [${m.channels.join(', ')}], dense ${m.dense}; this config has channels [${config.model.channels.join(', ')}], dense ${config.model.dense}`);
  }
  return [];
}

/** Checks shared by both tasks: data files, the checkpoint, and an early-stopping metric the pre-training reports. */
export function sourceIssues(config: FinetuneConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [...imageDataIssues(config.data.source.images, 'data.source.images')];
  const es = config.pretrain.train.earlyStopping;
  if (es && !(FINETUNE_METRICS as readonly string[]).includes(es.metric)) {
    issues.push({ path: 'pretrain.train.earlyStopping.metric', message: `the pretrain run does not report "${es.metric}"; it reports: ${FINETUNE_METRICS.join(', ')}` });
  }
  if (config.pretrain.checkpoint !== undefined) issues.push(...checkpointIssues(config.pretrain.checkpoint, config));
  return issues;
}

/** Writes `artifacts/source-model.json` of a pretrain run. */
export function writeSourceRecord(dir: string, record: SourceModelRecord): void {
  writeJsonAtomic(path.join(dir, SOURCE_MODEL_FILE), record);
}
