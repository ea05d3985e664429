import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  configHash,
  reinforceBackwardKl,
  tokenLogProbs,
  writeFileAtomic,
  writeJsonAtomic,
  type Metrics,
  type StepContext,
  type Task,
  type TaskContext,
  type TaskRun,
} from '@kt/core';
import type { MtConfig, MtTaskName } from '../config-schema';
import { labelSmoothedNll, makeTargetTensors, sampleDecode, Transformer } from '../models';
import { limitSplit, prepareMtData, type MtData } from './mt-data';
import { asMtModel, writeModelFiles } from './mt-model-files';
import { obtainTeacher, stepBatches, supervisedRun, targetTokens, transformerConfig, type LoadedTeacher } from './mt-teacher';
import { SPECIAL_IDS, StepTimer, type IndexedBatch } from './step-batches';
import { outputBudget, scoreTranslations, translateIds, type DecodeSettings } from './translate-sentences';

/** Decoder-side tensors of generated sequences (tgtIn = [BOS, y], tgtOut = [y, EOS], mask). */
interface TargetTensors {
  tgtIn: tf.Tensor2D;
  tgtOut: tf.Tensor2D;
  mask: tf.Tensor2D;
}

/** What `prepareStep` hands to `loss`; the trainer calls `dispose` after the update. */
interface Prepared {
  batch: IndexedBatch;
  dropoutSeed: number;
  /** On-policy steps: learner samples used as target prefixes. */
  samples?: TargetTensors;
  /** Teacher logits on the prefixes the divergence uses (reference or samples), [B, T, V]. */
  teacherLogits?: tf.Tensor3D;
  /** Teacher log q of the sampled tokens, [B, T] (reinforce). */
  teacherLogProbs?: tf.Tensor2D;
  /** Teacher translations of the batch sources as targets (seq-kd). */
  teacherTargets?: TargetTensors;
  dispose(): void;
}

function disposeTargets(t: TargetTensors | undefined): void {
  if (t) tf.dispose([t.tgtIn, t.tgtOut, t.mask]);
}

/** The learner's own samples y ~ p_θ(·|x) for the batch sources (no gradient: runs outside the tape). */
function sampleTargets(learner: Transformer, batch: IndexedBatch, config: MtConfig, step: StepContext): TargetTensors {
  const longest = batch.src.shape[1];
  const result = sampleDecode(learner, batch.src, {
    maxLen: outputBudget(learner, longest, config.kd.maxSampleLen),
    temperature: config.kd.sampleTemperature,
    topK: config.kd.sampleTopK,
    rng: () => step.rng.next(),
  });
  result.sequences.dispose();
  return makeTargetTensors(result.tokens, SPECIAL_IDS, result.finished);
}

/**
 * Teacher translations (beam `kd.seqBeam`) of every training source, generated once and cached in
 * `<cacheDir>/mt-seqkd/<key>/targets.json`, keyed by the teacher, the data/tokenizer and the decoding knobs.
 */
function teacherTranslations(ctx: TaskContext, config: MtConfig, data: MtData, teacher: LoadedTeacher): number[][] {
  const key = configHash({
    teacher: teacher.key,
    data: data.dataKey,
    beam: config.kd.seqBeam,
    lengthPenalty: config.kd.seqLengthPenalty,
    maxLen: config.kd.maxSampleLen,
  });
  const file = path.join(ctx.cacheDir, 'mt-seqkd', key, 'targets.json');
  if (fs.existsSync(file)) {
    try {
      const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as { targets?: number[][] };
      if (Array.isArray(cached.targets) && cached.targets.length === data.train.src.length) {
        ctx.log.info(`seq-kd: teacher translations loaded from cache ${file}`);
        return cached.targets;
      }
    } catch {
      // regenerate below
    }
  }
  const t0 = Date.now();
  let lastLog = t0;
  ctx.log.info(`seq-kd: translating ${data.train.src.length} training sources with the teacher (beam ${config.kd.seqBeam})`);
  const targets = translateIds(
    teacher.teacher.model,
    data.train.src,
    { beam: config.kd.seqBeam, lengthPenalty: config.kd.seqLengthPenalty, maxLen: config.kd.maxSampleLen, batchSize: config.decode.batchSize },
    (done, total) => {
      if (Date.now() - lastLog > 10000) {
        lastLog = Date.now();
        ctx.log.info(`seq-kd: ${done}/${total} sources translated`);
      }
    },
  );
  const seconds = (Date.now() - t0) / 1000;
  ctx.log.info(`seq-kd: teacher translations done in ${seconds.toFixed(1)} s (${(targets.length / seconds).toFixed(1)} sentences/s), cached in ${file}`);
  writeJsonAtomic(file, { beam: config.kd.seqBeam, seconds, targets });
  return targets;
}

/** Builds the learner, the shared data and (for KD tasks) the teacher, then the run of `kind`. */
async function createMtRun(ctx: TaskContext, kind: MtTaskName): Promise<TaskRun> {
  const config = ctx.config as MtConfig;
  const data = await prepareMtData(config, ctx.cacheDir, ctx.log);
  const learnerModel = new Transformer(transformerConfig(config.learner.model, data.tokenizer.vocabSize), config.train.seed);
  const learner = asMtModel(learnerModel, 'learner', true);
  const artifacts = path.join(ctx.runDir, 'artifacts');
  writeModelFiles(artifacts, learnerModel.config, learnerModel.parameterCount(), data.tokenizer);
  ctx.log.info(`learner: ${learnerModel.parameterCount()} parameters; vocabulary ${data.tokenizer.vocabSize}`);
  const decode: DecodeSettings = config.decode;
  const evalLimit = config.data.evalLimit;

  let teacher: LoadedTeacher | undefined;
  try {
    if (kind !== 'train') teacher = await obtainTeacher(ctx, config, data);
  } catch (err) {
    learner.dispose();
    throw err;
  }

  let lastTest: string[] | undefined;
  const evaluateWith = (timer: StepTimer) => async (split: 'val' | 'test'): Promise<Metrics> => {
    timer.end();
    const scored = scoreTranslations(learnerModel, data.tokenizer, limitSplit(data[split], evalLimit), decode);
    if (split === 'test') lastTest = scored.hypotheses;
    const throughput = timer.summary();
    if (!throughput) return scored.metrics;
    return { ...scored.metrics, train_tokens_per_second: throughput.tokensPerSecond, train_ms_per_step: throughput.msPerStep };
  };
  const writeArtifacts = async (dir: string): Promise<void> => {
    const test = limitSplit(data.test, evalLimit);
    const hyps = lastTest ?? scoreTranslations(learnerModel, data.tokenizer, test, decode).hypotheses;
    writeFileAtomic(path.join(dir, 'test.hyp.txt'), hyps.map((h) => `${h}\n`).join(''));
    writeFileAtomic(path.join(dir, 'test.ref.txt'), test.refs.map((r) => `${r}\n`).join(''));
    if (teacher) {
      const scores = teacher.test ?? scoreTranslations(teacher.teacher.model, data.tokenizer, test, decode).metrics;
      writeJsonAtomic(path.join(dir, 'teacher.json'), { test: scores, parameters: teacher.teacher.parameterCount(), source: teacher.source });
    }
  };

  if (kind === 'train') {
    const run = supervisedRun(learner, data, {
      train: config.train,
      batching: config.batching,
      labelSmoothing: config.learner.model.labelSmoothing,
      decode,
      evalLimit,
    });
    return {
      ...run,
      evaluate: evaluateWith(run.timer),
      writeArtifacts,
    };
  }

  const t = teacher!;
  const teacherModel = t.teacher.model;
  if (t.test) ctx.log.info(`teacher: test BLEU ${t.test['bleu']?.toFixed(2)}`);
  const objective = ctx.objective;
  const alpha = objective.alpha;
  const ls = config.learner.model.labelSmoothing;
  const batches = stepBatches(data, config.train, config.batching);
  const timer = new StepTimer();
  const seqTargets = kind === 'seq-kd' ? teacherTranslations(ctx, config, data, t) : undefined;
  ctx.log.info(`learner: ${data.train.src.length} training pairs in ${batches.count} batches per epoch`);

  const prepareStep = async (step: StepContext): Promise<Prepared> => {
    const u = step.rng.next();
    const dropoutSeed = step.rng.seed();
    const batch = batches.batchAt(step.step);
    timer.begin(targetTokens(data, batch.indices));
    const prepared: Prepared = {
      batch,
      dropoutSeed,
      dispose: () => {
        tf.dispose([batch.src, batch.tgtIn, batch.tgtOut, batch.mask]);
        disposeTargets(prepared.samples);
        disposeTargets(prepared.teacherTargets);
        prepared.teacherLogits?.dispose();
        prepared.teacherLogProbs?.dispose();
      },
    };
    try {
      if (kind === 'word-kd') {
        if (objective.isOnPolicy(u)) prepared.samples = sampleTargets(learnerModel, batch, config, step);
        const tgtIn = prepared.samples?.tgtIn ?? batch.tgtIn;
        prepared.teacherLogits = tf.tidy(() => teacherModel.forward(batch.src, tgtIn, { training: false }));
      } else if (kind === 'reinforce') {
        const samples = sampleTargets(learnerModel, batch, config, step);
        prepared.samples = samples;
        prepared.teacherLogProbs = tf.tidy(
          () => tokenLogProbs(teacherModel.forward(batch.src, samples.tgtIn, { training: false }), samples.tgtOut) as tf.Tensor2D,
        );
      } else if (kind === 'seq-kd') {
        prepared.teacherTargets = makeTargetTensors(
          batch.indices.map((i) => seqTargets![i]!),
          SPECIAL_IDS,
        );
      }
    } catch (err) {
      prepared.dispose();
      throw err;
    }
    return prepared;
  };

  const referenceNll = (p: Prepared): tf.Scalar => {
    const logits = learnerModel.forward(p.batch.src, p.batch.tgtIn, { training: true, dropoutSeed: p.dropoutSeed });
    return labelSmoothedNll(logits, p.batch.tgtOut, p.batch.mask, ls);
  };

  const loss = (step: StepContext, raw: unknown): tf.Scalar => {
    const p = raw as Prepared;
    if (kind === 'word-kd') {
      if (p.samples) {
        // On-policy (GKD): the divergence over the full vocabulary on the learner's own prefixes.
        const learnerLogits = learnerModel.forward(p.batch.src, p.samples.tgtIn, { training: true, dropoutSeed: p.dropoutSeed });
        const kd = objective.distill(p.teacherLogits!, learnerLogits, p.samples.mask);
        return objective.combine(alpha > 0 ? referenceNll(p) : undefined, kd);
      }
      const logits = learnerModel.forward(p.batch.src, p.batch.tgtIn, { training: true, dropoutSeed: p.dropoutSeed });
      const kd = objective.distill(p.teacherLogits!, logits, p.batch.mask);
      return objective.combine(alpha > 0 ? labelSmoothedNll(logits, p.batch.tgtOut, p.batch.mask, ls) : undefined, kd);
    }
    if (kind === 'seq-kd') {
      const targets = p.teacherTargets!;
      const logits = learnerModel.forward(p.batch.src, targets.tgtIn, { training: true, dropoutSeed: p.dropoutSeed });
      const kd = labelSmoothedNll(logits, targets.tgtOut, targets.mask, ls);
      return objective.combine(alpha > 0 ? referenceNll(p) : undefined, kd);
    }
    // reinforce: the learner's log-probabilities of its own samples, without dropout (the sampling policy).
    const samples = p.samples!;
    const learnerLogits = learnerModel.forward(p.batch.src, samples.tgtIn, { training: false });
    const { loss: kd, reward } = reinforceBackwardKl({
      learnerLogProbs: tokenLogProbs(learnerLogits, samples.tgtOut),
      teacherLogProbs: p.teacherLogProbs!,
      mask: samples.mask,
      baseline: config.kd.reinforceBaseline,
      perToken: config.kd.reinforcePerToken,
    });
    step.report('reward', tf.mean(reward).dataSync()[0]!);
    return objective.combine(alpha > 0 ? referenceNll(p) : undefined, kd);
  };

  return {
    learner,
    teacher: t.teacher,
    stepsPerEpoch: batches.count,
    prepareStep,
    loss,
    evaluate: evaluateWith(timer),
    writeArtifacts,
    dispose: () => {
      learner.dispose();
      t.teacher.dispose();
    },
  };
}

function mtTask(name: MtTaskName, description: string): Task {
  return { plugin: 'mt', name, description, create: (ctx) => createMtRun(ctx, name) };
}

/** Supervised NLL on the references (label smoothing): the no-KD baseline, and how teachers are trained. */
export const mtTrainTask = mtTask('train', 'train the learner on the references (label-smoothed NLL): the no-KD baseline');
/** Word-level KD: token divergence on reference prefixes, or on learner samples for a fraction λ of steps (GKD). */
export const mtWordKdTask = mtTask(
  'word-kd',
  'word-level KD: transfer.divergence between teacher and learner next-token distributions (λ of steps on learner samples)',
);
/** Sequence-level forward KD (Kim & Rush): NLL on the teacher's beam translations, generated once and cached. */
export const mtSeqKdTask = mtTask('seq-kd', 'sequence-level forward KD: NLL on the teacher\'s beam translations (cached)');
/** Sequence-level backward KL by REINFORCE: the learner samples, the teacher's log-probability is the reward. */
export const mtReinforceTask = mtTask('reinforce', 'sequence-level backward KL by REINFORCE on learner samples, teacher log q as reward');

export const MT_TASK_LIST: readonly Task[] = [mtTrainTask, mtWordKdTask, mtSeqKdTask, mtReinforceTask];
