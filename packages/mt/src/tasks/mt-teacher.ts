import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  asTeacher,
  ConfigError,
  disposeMap,
  readRunWeights,
  readSummary,
  sequenceNll,
  type ConfigIssue,
  type Learner,
  type Metrics,
  type StepContext,
  type TaskContext,
  type TaskRun,
  type Teacher,
  type TrainConfig,
  type Wrapped,
} from '@kt/core';
import { MtConfigSchema, type BatchingConfig, type MtConfig, type ModelSizes } from '../config-schema';
import { MT_MODEL_VERSION, Transformer, type TransformerConfig } from '../models';
import { assertVocabularyMatches } from '../tokenizer';
import { limitSplit, MODEL_POSITIONS, trainingDataConfig, type MtData } from './mt-data';
import { readModelFiles } from './mt-model-files';
import { StepBatches, StepTimer, type IndexedBatch } from './step-batches';
import { scoreTranslations, type DecodeSettings } from './translate-sentences';

/** The full transformer config of a model section, with the vocabulary of `data`. */
export function transformerConfig(sizes: ModelSizes, vocabSize: number): TransformerConfig {
  return {
    ...sizes,
    vocabSize,
    maxLen: MODEL_POSITIONS,
    padId: 0,
    bosId: 1,
    eosId: 2,
  };
}

/** Batches of at most `batchSize` sentences and, when set, `maxTokens` padded tokens. */
export function stepBatches(data: MtData, train: TrainConfig, batching: BatchingConfig): StepBatches {
  return new StepBatches(data.train, { seed: train.seed, batchSize: train.batchSize, maxTokens: batching.maxTokens });
}

/** Target tokens a batch trains on (tokens plus EOS). */
export function targetTokens(data: MtData, indices: readonly number[]): number {
  let n = 0;
  for (const i of indices) n += data.train.tgt[i]!.length + 1;
  return n;
}

/** What every mt step prepares: the step's reference batch and its dropout seed. */
export interface BatchPrepared {
  batch: IndexedBatch;
  dropoutSeed: number;
  dispose(): void;
}

/** The reference batch of `step` (timed by `timer`) and the step's dropout seed; the trainer disposes it. */
export function prepareBatch(step: StepContext, batches: StepBatches, data: MtData, timer: StepTimer): BatchPrepared {
  const batch = batches.batchAt(step.step);
  timer.begin(targetTokens(data, batch.indices));
  return { batch, dropoutSeed: step.rng.seed(), dispose: () => tf.dispose([batch.src, batch.tgtIn, batch.tgtOut, batch.mask]) };
}

/** Label-smoothed NLL of the learner on the step's references (with dropout): the task loss of every mt task. */
export function referenceLoss(model: Transformer, p: BatchPrepared, labelSmoothing: number): tf.Scalar {
  const logits = model.forward(p.batch.src, p.batch.tgtIn, { training: true, dropoutSeed: p.dropoutSeed });
  return sequenceNll(logits, p.batch.tgtOut, p.batch.mask, { labelSmoothing }) as tf.Scalar;
}

/**
 * Supervised training on the references (label-smoothed NLL): task `train`, which is also how teachers
 * are trained. Evaluation scores the first `evalLimit` sentences with BLEU/chrF/NLL.
 */
export function supervisedRun(
  learner: Learner & Wrapped<Transformer>,
  data: MtData,
  options: { train: TrainConfig; batching: BatchingConfig; labelSmoothing: number; decode: DecodeSettings; evalLimit?: number },
): TaskRun<BatchPrepared> & { timer: StepTimer } {
  const batches = stepBatches(data, options.train, options.batching);
  const timer = new StepTimer();
  return {
    learner,
    stepsPerEpoch: batches.count,
    timer,
    prepareStep: async (step) => prepareBatch(step, batches, data, timer),
    loss: (_step, prepared) => referenceLoss(learner.model, prepared, options.labelSmoothing),
    evaluate: async (split) => {
      timer.end();
      return scoreTranslations(learner.model, data.tokenizer, limitSplit(data[split], options.evalLimit), options.decode).metrics;
    },
    dispose: () => learner.dispose(),
  };
}

/** A teacher ready for a KD task: the model, the run it comes from, and its test scores (when known). */
export interface LoadedTeacher {
  teacher: Teacher & Wrapped<Transformer>;
  /** Identifies the teacher's weights (its provisioning key or checkpoint): keys caches of its outputs. */
  key: string;
  /** The teacher's run directory. */
  source: string;
  test?: Metrics;
}

/** The experiment that trains `config`'s teacher: task `train` with the teacher's model, optimizer settings, batching and seed. */
export function teacherRunConfig(config: MtConfig): MtConfig {
  return MtConfigSchema.parse({
    plugin: 'mt',
    task: 'train',
    name: 'teacher',
    backend: config.backend,
    // Without the learner's extra test sets: they change neither the teacher nor its cache key.
    data: trainingDataConfig(config.data),
    tokenizer: config.tokenizer,
    learner: { model: config.teacher.model },
    train: { ...config.teacher.train, seed: config.teacher.seed },
    batching: config.teacher.batching,
    decode: config.decode,
    output: config.output,
  });
}

/** Loads the final weights of an mt run of task `train` (artifacts/model.json + checkpoint) as a frozen teacher. */
export function loadTeacherRun(runDir: string, data: MtData, what: string): Teacher & Wrapped<Transformer> {
  const { manifest } = readModelFiles(path.join(runDir, 'artifacts'), what);
  assertVocabularyMatches(manifest.tokenizerFingerprint, data.tokenizer, what);
  const model = new Transformer(manifest.transformer, 0);
  const weights = readRunWeights(runDir);
  try {
    model.setWeights(weights);
  } catch (err) {
    model.dispose();
    throw new ConfigError(`${what}: weights do not fit the model: ${(err as Error).message}`);
  } finally {
    disposeMap(weights);
  }
  return asTeacher(model);
}

/** `teacher.checkpoint` problems `kt validate` reports: it must be a finished mt run directory of task `train`. */
export function teacherCheckpointIssues(config: MtConfig): ConfigIssue[] {
  const checkpoint = config.teacher.checkpoint;
  if (checkpoint === undefined) return [];
  const dir = path.resolve(checkpoint);
  const issue = (message: string): ConfigIssue[] => [{ path: 'teacher.checkpoint', message: `${checkpoint}: ${message}` }];
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return issue('no such directory (give the run directory of an mt `train` run)');
  if (!fs.existsSync(path.join(dir, 'config.json'))) return issue('not a kt run directory (no config.json)');
  if (!fs.existsSync(path.join(dir, 'artifacts', 'model.json'))) return issue('has no artifacts/model.json (not an mt run?)');
  if (!fs.existsSync(path.join(dir, 'checkpoints', 'latest.json')) && !fs.existsSync(path.join(dir, 'checkpoints', 'best'))) {
    return issue('has no checkpoint yet');
  }
  return [];
}

/**
 * The teacher of a KD task: the run named by `teacher.checkpoint`, or one provisioned by core — trained
 * from `teacher.*` as an mt `train` run (kept in the cache and reused by every later run with the same
 * teacher config, data content and model code). A teacher with another vocabulary is refused.
 */
export async function obtainTeacher(ctx: TaskContext<MtConfig>, data: MtData): Promise<LoadedTeacher> {
  const { config } = ctx;
  if (config.teacher.checkpoint !== undefined) {
    const dir = path.resolve(config.teacher.checkpoint);
    const teacher = loadTeacherRun(dir, data, `teacher.checkpoint ${config.teacher.checkpoint}`);
    ctx.log.info(`teacher: loaded ${teacher.parameterCount()} parameters from ${dir}`);
    return { teacher, key: readSummary(dir)?.configHash ?? dir, source: dir, test: readSummary(dir)?.test };
  }
  const sizes = config.teacher.model;
  ctx.log.info(`teacher: ${sizes.encoderLayers}+${sizes.decoderLayers} layers, d=${sizes.dModel}`);
  const provisioned = await ctx.teachers.provision({ config: teacherRunConfig(config), dataHash: data.contentHash, modelVersion: MT_MODEL_VERSION });
  const teacher = loadTeacherRun(provisioned.runDir, data, `teacher run ${provisioned.runDir}`);
  return { teacher, key: provisioned.key, source: provisioned.runDir, test: provisioned.test };
}
