import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  configHash,
  ConfigError,
  disposeMap,
  hasTensors,
  ProgressReporter,
  saveTensors,
  Trainer,
  writeJsonAtomic,
  type Logger,
  type Metrics,
  type StepContext,
  type TaskContext,
  type TaskRun,
  type TrainConfig,
} from '@kt/core';
import type { BatchingConfig, MtConfig, ModelSizes } from '../config-schema';
import { labelSmoothedNll, Transformer, type TransformerConfig } from '../models';
import { assertVocabularyMatches } from '../tokenizer';
import { limitSplit, MODEL_POSITIONS, type MtData } from './mt-data';
import { asMtModel, loadTransformer, readModelFiles, runWeights, writeModelFiles, type MtModel, type WeightsLocation } from './mt-model-files';
import { StepBatches, StepTimer } from './step-batches';
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

/**
 * Supervised training on the references (label-smoothed NLL): the teacher's training and task `train`.
 * Evaluation scores the first `evalLimit` sentences with BLEU/chrF/NLL.
 */
export function supervisedRun(
  model: MtModel,
  data: MtData,
  options: { train: TrainConfig; batching: BatchingConfig; labelSmoothing: number; decode: DecodeSettings; evalLimit?: number },
): TaskRun & { timer: StepTimer } {
  const batches = stepBatches(data, options.train, options.batching);
  const timer = new StepTimer();
  return {
    learner: model,
    stepsPerEpoch: batches.count,
    timer,
    prepareStep: async (step: StepContext) => {
      const batch = batches.batchAt(step.step);
      timer.begin(targetTokens(data, batch.indices));
      const dropoutSeed = step.rng.seed();
      return { batch, dropoutSeed, dispose: () => tf.dispose([batch.src, batch.tgtIn, batch.tgtOut, batch.mask]) };
    },
    loss: (_step: StepContext, prepared: unknown) => {
      const { batch, dropoutSeed } = prepared as { batch: ReturnType<StepBatches['batchAt']>; dropoutSeed: number };
      const logits = model.model.forward(batch.src, batch.tgtIn, { training: true, dropoutSeed });
      return labelSmoothedNll(logits, batch.tgtOut, batch.mask, options.labelSmoothing);
    },
    evaluate: async (split) => {
      timer.end();
      return scoreTranslations(model.model, data.tokenizer, limitSplit(data[split], options.evalLimit), options.decode).metrics;
    },
    dispose: () => model.dispose(),
  };
}

/** A teacher ready for a KD task: the model, where it came from and its test scores (when known). */
export interface LoadedTeacher {
  teacher: MtModel;
  /** Identifies the teacher's weights (cache key or checkpoint digest): keys caches of its outputs. */
  key: string;
  source: string;
  test?: Metrics;
}

function prefixed(log: Logger, prefix: string): Logger {
  return {
    info: (l) => log.info(`${prefix}${l}`),
    warn: (l) => log.warn(`${prefix}${l}`),
    debug: (l) => log.debug(`${prefix}${l}`),
  };
}

function weightsDigest(weights: WeightsLocation): string {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(weights.dir, `${weights.name}.json`), 'utf8')) as { sha256?: string };
    return manifest.sha256 ?? '';
  } catch {
    return '';
  }
}

/** Loads `teacher.checkpoint`: a run directory of task `train`, or a teacher cache directory. */
function loadTeacherCheckpoint(checkpoint: string, data: MtData): LoadedTeacher {
  const dir = path.resolve(checkpoint);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ConfigError(`teacher.checkpoint: ${checkpoint} is not a directory (give a kt mt run directory or a teacher cache directory)`);
  }
  const isRun = fs.existsSync(path.join(dir, 'config.json'));
  const filesDir = isRun ? path.join(dir, 'artifacts') : dir;
  const { manifest } = readModelFiles(filesDir, `teacher.checkpoint ${checkpoint}`);
  assertVocabularyMatches(manifest.tokenizerFingerprint, data.tokenizer, `teacher in ${checkpoint}`);
  let weights: WeightsLocation;
  if (isRun) weights = runWeights(dir, 'latest');
  else if (hasTensors(dir, 'teacher')) weights = { dir, name: 'teacher' };
  else throw new ConfigError(`teacher.checkpoint: ${checkpoint} has neither checkpoints/ (a run) nor teacher.bin/teacher.json (a teacher cache)`);
  const model = loadTransformer(manifest.transformer, weights);
  let test: Metrics | undefined;
  const meta = path.join(dir, 'teacher-meta.json');
  if (!isRun && fs.existsSync(meta)) test = (JSON.parse(fs.readFileSync(meta, 'utf8')) as { test?: Metrics }).test;
  return {
    teacher: asMtModel(model, 'teacher', false),
    key: configHash({ checkpoint: dir, digest: weightsDigest(weights) }),
    source: dir,
    test,
  };
}

/**
 * The teacher of a KD task: loaded from `teacher.checkpoint`, or from the cache of an identical earlier
 * teacher (same data, tokenizer, teacher config and backend), or trained now with core's Trainer and cached
 * in `<cacheDir>/mt-teachers/<key>/` (weights, model.json, tokenizer.json, teacher-meta.json with its test
 * scores). A saved teacher with another vocabulary is refused (ConfigError naming both fingerprints).
 */
export async function obtainTeacher(ctx: TaskContext, config: MtConfig, data: MtData): Promise<LoadedTeacher> {
  if (config.teacher.checkpoint !== undefined) {
    const loaded = loadTeacherCheckpoint(config.teacher.checkpoint, data);
    ctx.log.info(`teacher: loaded ${loaded.teacher.parameterCount()} parameters from ${loaded.source}`);
    return loaded;
  }
  const teacherCfg = transformerConfig(config.teacher.model, data.tokenizer.vocabSize);
  const train: TrainConfig = { ...config.teacher.train, seed: config.teacher.seed };
  const key = configHash({
    data: data.dataKey,
    teacher: { model: config.teacher.model, train, batching: config.teacher.batching },
    backend: ctx.backend,
  });
  const dir = path.join(ctx.cacheDir, 'mt-teachers', key);
  if (hasTensors(dir, 'teacher') && fs.existsSync(path.join(dir, 'model.json'))) {
    const { manifest } = readModelFiles(dir, `teacher cache ${dir}`);
    assertVocabularyMatches(manifest.tokenizerFingerprint, data.tokenizer, `cached teacher in ${dir}`);
    const model = loadTransformer(manifest.transformer, { dir, name: 'teacher' });
    let test: Metrics | undefined;
    try {
      test = (JSON.parse(fs.readFileSync(path.join(dir, 'teacher-meta.json'), 'utf8')) as { test?: Metrics }).test;
    } catch {
      test = undefined;
    }
    ctx.log.info(`teacher: loaded from cache ${dir}`);
    return { teacher: asMtModel(model, 'teacher', false), key, source: dir, test };
  }

  const model = asMtModel(new Transformer(teacherCfg, config.teacher.seed), 'teacher', true);
  const log = prefixed(ctx.log, 'teacher: ');
  ctx.log.info(`teacher: training ${model.parameterCount()} parameters (${teacherCfg.encoderLayers}+${teacherCfg.decoderLayers} layers, d=${teacherCfg.dModel})`);
  const decode: DecodeSettings = config.decode;
  const run = supervisedRun(model, data, {
    train,
    batching: config.teacher.batching,
    labelSmoothing: config.teacher.model.labelSmoothing,
    decode,
    evalLimit: config.data.evalLimit,
  });
  const workDir = path.join(dir, 'work');
  const trainer = new Trainer({
    run,
    train,
    dir: workDir,
    configHash: key,
    log,
    callbacks: [new ProgressReporter(log, train.logEvery)],
    resume: true,
  });
  const t0 = Date.now();
  try {
    await trainer.fit();
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    trainer.dispose();
  }
  const trainSeconds = (Date.now() - t0) / 1000;
  const throughput = run.timer.summary();
  const test = scoreTranslations(model.model, data.tokenizer, limitSplit(data.test, config.data.evalLimit), decode).metrics;
  ctx.log.info(
    `teacher: test BLEU ${test['bleu']!.toFixed(2)} chrF ${test['chrf']!.toFixed(2)} after ${trainSeconds.toFixed(1)} s` +
      (throughput ? ` (${throughput.msPerStep.toFixed(0)} ms/step, ${throughput.tokensPerSecond.toFixed(0)} target tokens/s)` : ''),
  );
  const weights = model.getWeights();
  try {
    saveTensors(dir, 'teacher', weights);
  } finally {
    disposeMap(weights);
  }
  writeModelFiles(dir, model.model.config, model.parameterCount(), data.tokenizer);
  writeJsonAtomic(path.join(dir, 'teacher-meta.json'), {
    test,
    parameters: model.parameterCount(),
    trainSeconds,
    msPerStep: throughput?.msPerStep,
    tokensPerSecond: throughput?.tokensPerSecond,
    config: config.teacher,
  });
  fs.rmSync(workDir, { recursive: true, force: true });
  return { teacher: asMtModel(model.model, 'teacher', false), key, source: dir, test };
}
