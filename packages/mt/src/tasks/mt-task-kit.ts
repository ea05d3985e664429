import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { asLearner, asTeacher, carveQuizSplit, metaTeacherUpdate, sequenceNll, writeFileAtomic, writeJsonAtomic, type ConfigIssue, type Learner, type Logger, type Metrics, type StepContext, type Task, type TaskContext, type TaskRun, type Wrapped } from '@kt/core';
import type { MtConfig, ParallelSplitConfig } from '../config-schema';
import { initLearnerWeights, learnerInitIssues } from './learner-init';
import { makeTargetTensors, sampleDecode, Transformer } from '../models';
import { limitSplit, prepareMtData, type EncodedSplit, type MtData } from './mt-data';
import { writeModelFiles } from './mt-model-files';
import { obtainTeacher, stepBatches, teacherCheckpointIssues, transformerConfig, type LoadedTeacher } from './mt-teacher';
import { SPECIAL_IDS, StepTimer, type IndexedBatch, type StepBatches } from './step-batches';
import { outputBudget, scoreTranslations, type DecodeSettings, type TranslationProgress } from './translate-sentences';

/** An mt task: typed by the mt config and by what its steps prepare. */
export type MtTask<P extends { dispose(): void }> = Task<MtConfig, P>;

/** What the mt tasks' `evaluate` reports (throughput only after training steps). */
export const MT_METRICS = ['bleu', 'chrf', 'nll', 'decode_sentences_per_second', 'train_tokens_per_second', 'train_ms_per_step'] as const;

/** Decoder-side tensors of generated sequences (tgtIn = [BOS, y], tgtOut = [y, EOS], mask). */
export interface TargetTensors {
  tgtIn: tf.Tensor2D;
  tgtOut: tf.Tensor2D;
  mask: tf.Tensor2D;
}

export function disposeTargets(t: TargetTensors | undefined): void {
  if (t) tf.dispose([t.tgtIn, t.tgtOut, t.mask]);
}

/** The learner's own samples y ~ p_θ(·|x) for the batch sources (no gradient: runs outside the tape). */
export function sampleTargets(learner: Transformer, batch: IndexedBatch, config: MtConfig, step: StepContext): TargetTensors {
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

/** The data, the learner and the evaluation every mt task shares. */
export interface MtLearnerSetup {
  data: MtData;
  model: Transformer;
  learner: Learner & Wrapped<Transformer>;
  decode: DecodeSettings;
  evalLimit?: number;
  /** Validation scoring (at `train.evalEvery`, for early stopping): sentences and beam. */
  validation: { limit?: number; decode: DecodeSettings };
  /** The run's logger: evaluation progress lines go there when the output is no terminal. */
  log: Logger;
}

/** Loads the data, builds the learner from `learner.model` and writes its model files into the run's artifacts. */
export async function setUpLearner(ctx: TaskContext<MtConfig>): Promise<MtLearnerSetup> {
  const { config } = ctx;
  const data = await prepareMtData(config, ctx.cacheDir, ctx.log);
  const model = new Transformer(transformerConfig(config.learner.model, data.tokenizer.vocabSize), config.train.seed);
  if (config.learner.init !== undefined) {
    try {
      const from = initLearnerWeights(model, config.learner.init, data.tokenizer);
      ctx.log.info(`learner: initialised from ${from}`);
    } catch (err) {
      model.dispose();
      throw err;
    }
  }
  writeModelFiles(path.join(ctx.runDir, 'artifacts'), model.config, model.parameterCount(), data.tokenizer);
  ctx.log.info(`learner: ${model.parameterCount()} parameters; vocabulary ${data.tokenizer.vocabSize}`);
  const validation = { limit: config.validation.limit ?? config.data.evalLimit, decode: { ...config.decode, beam: config.validation.beam } };
  return { data, model, learner: asLearner(model), decode: config.decode, evalLimit: config.data.evalLimit, validation, log: ctx.log };
}

/**
 * `evaluate` and `writeArtifacts` of an mt run. Validation: BLEU/chrF/NLL of the first `validation.limit`
 * val sentences decoded with `validation.beam` (cheap, for early stopping). Test: the first `data.evalLimit`
 * test sentences with `decode.*`, plus every `data.evalSets` entry as `test_<name>_<metric>`, plus training
 * throughput. Artifacts: test hypotheses and references (`test.*.txt`, `test_<name>.*.txt`), the teacher's scores.
 */
export function mtReporting(
  setup: MtLearnerSetup,
  timer: StepTimer,
  teacher?: LoadedTeacher,
): { evaluate(split: 'val' | 'test'): Promise<Metrics>; writeArtifacts(dir: string): Promise<void> } {
  const { data, model, decode, evalLimit, validation, log } = setup;
  // Decoding a val/test set takes a while: each shows progress (a bar on a terminal, plain lines otherwise).
  const shown = (label: string): TranslationProgress => ({ label, log });
  let lastTest: string[] | undefined;
  const lastSets = new Map<string, string[]>();
  return {
    async evaluate(split) {
      timer.end();
      const scored =
        split === 'val'
          ? scoreTranslations(model, data.tokenizer, limitSplit(data.val, validation.limit), validation.decode, shown('eval val'))
          : scoreTranslations(model, data.tokenizer, limitSplit(data.test, evalLimit), decode, shown('eval test'));
      const metrics: Metrics = { ...scored.metrics };
      if (split === 'test') {
        lastTest = scored.hypotheses;
        for (const [name, set] of Object.entries(data.evalSets)) {
          const extra = scoreTranslations(model, data.tokenizer, set, decode, shown(`eval test_${name}`));
          lastSets.set(name, extra.hypotheses);
          for (const key of ['bleu', 'chrf', 'nll'] as const) metrics[`test_${name}_${key}`] = extra.metrics[key]!;
        }
      }
      const throughput = timer.summary();
      if (!throughput) return metrics;
      return { ...metrics, train_tokens_per_second: throughput.tokensPerSecond, train_ms_per_step: throughput.msPerStep };
    },
    async writeArtifacts(dir) {
      const test = limitSplit(data.test, evalLimit);
      const hyps = lastTest ?? scoreTranslations(model, data.tokenizer, test, decode, shown('translate test')).hypotheses;
      writeFileAtomic(path.join(dir, 'test.hyp.txt'), hyps.map((h) => `${h}\n`).join(''));
      writeFileAtomic(path.join(dir, 'test.ref.txt'), test.refs.map((r) => `${r}\n`).join(''));
      for (const [name, set] of Object.entries(data.evalSets)) {
        const setHyps = lastSets.get(name) ?? scoreTranslations(model, data.tokenizer, set, decode, shown(`translate test_${name}`)).hypotheses;
        writeFileAtomic(path.join(dir, `test_${name}.hyp.txt`), setHyps.map((h) => `${h}\n`).join(''));
        writeFileAtomic(path.join(dir, `test_${name}.ref.txt`), set.refs.map((r) => `${r}\n`).join(''));
      }
      if (teacher) {
        const scores = teacher.test ?? scoreTranslations(teacher.teacher.model, data.tokenizer, test, decode, shown('teacher eval test')).metrics;
        // A teacher trained during the run (teacherUpdate): its scores now, beside those it started with.
        const after = teacher.teacher.trainable ? { test: scoreTranslations(teacher.teacher.model, data.tokenizer, test, decode, shown('teacher eval test (after)')).metrics } : undefined;
        writeJsonAtomic(path.join(dir, 'teacher.json'), { test: scores, ...(after ? { after } : {}), parameters: teacher.teacher.parameterCount(), source: teacher.source });
      }
    },
  };
}

/** The training pairs a learner trains on and, with a MetaDistil `teacherUpdate`, the quiz pairs carved from them. */
export interface QuizCarve {
  /** `data` with its train split reduced to the learner's training pairs (the whole split without a quiz). */
  data: MtData;
  quiz?: EncodedSplit;
}

function pick(split: EncodedSplit, idx: Int32Array): EncodedSplit {
  const at = <T>(xs: T[]): T[] => Array.from(idx, (i) => xs[i]!);
  return { src: at(split.src), tgt: at(split.tgt), refs: at(split.refs), sources: at(split.sources) };
}

/** Carves `teacherUpdate.quizFraction` of the training pairs into a quiz split (seeded; never val or test). */
export function carveQuiz(data: MtData, config: MtConfig): QuizCarve {
  const meta = metaTeacherUpdate(config);
  if (!meta) return { data };
  const split = carveQuizSplit(data.train.src.length, meta.quizFraction, config.train.seed);
  return { data: { ...data, train: pick(data.train, split.train) }, quiz: pick(data.train, split.quiz) };
}

/** Unmasked NLL of the learner on the quiz batch of `step` (no dropout, no label smoothing): MetaDistil's quiz loss. */
export function quizLossOf(model: Transformer, batches: StepBatches): (step: StepContext) => tf.Scalar {
  return (step) => {
    const batch = batches.batchAt(step.step);
    return sequenceNll(model.forward(batch.src, batch.tgtIn, { training: false }), batch.tgtOut, batch.mask) as tf.Scalar;
  };
}

/** The teacher of a KD task, made trainable when `teacherUpdate` asks for a MetaDistil strategy. */
export function withTeacherRole(teacher: LoadedTeacher, config: MtConfig): LoadedTeacher {
  if (!metaTeacherUpdate(config)) return teacher;
  return { ...teacher, teacher: asTeacher(teacher.teacher.model, { name: teacher.teacher.name, trainable: true }) };
}

/** Data files a config names that do not exist (checked by `kt validate` before any loading). */
export function dataIssues(config: MtConfig): ConfigIssue[] {
  const data = config.data;
  const missing = (p: string, field: string, what = 'file'): ConfigIssue[] =>
    fs.existsSync(path.resolve(p)) ? [] : [{ path: field, message: `${what} ${p} does not exist` }];
  const splitIssues = (s: ParallelSplitConfig, field: string): ConfigIssue[] =>
    'tsv' in s ? missing(s.tsv, `${field}.tsv`) : [...missing(s.src, `${field}.src`), ...missing(s.tgt, `${field}.tgt`)];
  const extra = Object.entries(data.evalSets).flatMap(([name, s]) => splitIssues(s, `data.evalSets.${name}`));
  if (data.source === 'multi30k') return [...missing(data.root, 'data.root', 'Multi30k folder'), ...extra];
  if (data.source === 'files') return [...(['train', 'val', 'test'] as const).flatMap((split) => splitIssues(data[split], `data.${split}`)), ...extra];
  return extra;
}

/** The checks of task `train`: data files, `learner.init`, and no `teacherUpdate` (it has no teacher). */
export function trainIssues(config: MtConfig): ConfigIssue[] {
  return [
    ...dataIssues(config),
    ...learnerInitIssues(config.learner.init, config.learner.model),
    ...teacherUpdateIssues(config, 'train', 'trains on the references and has no teacher'),
  ];
}

/** The data and `learner.init` checks of every mt task (KD tasks add their teacher checks). */
function kdBaseIssues(config: MtConfig): ConfigIssue[] {
  return [...dataIssues(config), ...learnerInitIssues(config.learner.init, config.learner.model)];
}

/**
 * `teacherUpdate` (a MetaDistil strategy) with a task that cannot train its teacher: an issue at
 * `teacherUpdate.strategy` saying why (`why`: what the task does with its teacher) and that task word-kd can.
 */
export function teacherUpdateIssues(config: MtConfig, task: string, why: string): ConfigIssue[] {
  const meta = metaTeacherUpdate(config);
  if (!meta) return [];
  return [
    {
      path: 'teacherUpdate.strategy',
      message: `task ${task} ${why}, so it cannot train its teacher with ${meta.strategy}: use task word-kd (the teacher's next-token distributions inside the loss), or remove teacherUpdate`,
    },
  ];
}

/** The teacher's early-stopping metric must be one its `train` run reports. */
function teacherTrainIssues(config: MtConfig): ConfigIssue[] {
  const es = config.teacher.train.earlyStopping;
  if (es && !(MT_METRICS as readonly string[]).includes(es.metric)) {
    return [{ path: 'teacher.train.earlyStopping.metric', message: `the teacher's train run does not report "${es.metric}"; it reports: ${MT_METRICS.join(', ')}` }];
  }
  return [];
}

/** The checks of every KD task: data files, `learner.init`, `teacher.checkpoint`, the teacher's early-stopping metric. */
export function kdIssues(config: MtConfig): ConfigIssue[] {
  return [...kdBaseIssues(config), ...teacherCheckpointIssues(config), ...teacherTrainIssues(config)];
}

/**
 * A sequence-level task whose divergence is fixed by construction rejects other `transfer` settings
 * instead of ignoring them: `why` says what the task computes, `instead` which task to use.
 */
export function fixedDivergenceIssues(config: MtConfig, task: string, divergence: 'forward' | 'backward', why: string, instead: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.transfer.divergence !== divergence) {
    issues.push({ path: 'transfer.divergence', message: `task ${task} is ${why}, so it cannot use "${config.transfer.divergence}" (set ${divergence}); ${instead}` });
  }
  if (config.transfer.temperature !== 1) {
    issues.push({ path: 'transfer.temperature', message: `task ${task} scores whole sequences without a softmax temperature (leave it at 1); temperature applies to task word-kd` });
  }
  if (config.transfer.lambda !== 0) {
    issues.push({ path: 'transfer.lambda', message: `task ${task} does not mix on-policy batches (λ); on-policy mixing is task word-kd's transfer.lambda` });
  }
  return issues;
}

/** The learner and the teacher of a KD task; the learner is released when the teacher cannot be had. */
export async function setUpLearnerAndTeacher(ctx: TaskContext<MtConfig>): Promise<{ setup: MtLearnerSetup; teacher: LoadedTeacher }> {
  const setup = await setUpLearner(ctx);
  try {
    return { setup, teacher: await obtainTeacher(ctx, setup.data) };
  } catch (err) {
    setup.learner.dispose();
    throw err;
  }
}

/** The parts of a KD task's run that do not depend on its steps: learner, teacher, evaluation, artifacts, dispose. */
export type KdRunParts = Pick<TaskRun, 'learner' | 'teacher' | 'stepsPerEpoch' | 'evaluate' | 'writeArtifacts' | 'dispose'>;

/** {@link KdRunParts} of a learner set-up and its teacher, training on `batches`; `dispose` releases both models. */
export function kdRunParts(setup: MtLearnerSetup, teacher: LoadedTeacher, batches: StepBatches, timer: StepTimer): KdRunParts {
  return {
    learner: setup.learner,
    teacher: teacher.teacher,
    stepsPerEpoch: batches.count,
    ...mtReporting(setup, timer, teacher),
    dispose: () => {
      setup.learner.dispose();
      teacher.teacher.dispose();
    },
  };
}

/** What a KD task with a frozen teacher (seq-kd, reinforce) builds before its own steps. */
export interface FrozenTeacherKd {
  setup: MtLearnerSetup;
  teacher: LoadedTeacher;
  /** The training batches of the whole train split. */
  batches: StepBatches;
  timer: StepTimer;
  /** `learner.model.labelSmoothing`. */
  labelSmoothing: number;
  parts: KdRunParts;
}

/** The learner, the teacher, the training batches and the run parts of a KD task whose teacher stays frozen. */
export async function setUpFrozenTeacherKd(ctx: TaskContext<MtConfig>): Promise<FrozenTeacherKd> {
  const { config } = ctx;
  const { setup, teacher } = await setUpLearnerAndTeacher(ctx);
  const batches = stepBatches(setup.data, config.train, config.batching);
  const timer = new StepTimer();
  return { setup, teacher, batches, timer, labelSmoothing: config.learner.model.labelSmoothing, parts: kdRunParts(setup, teacher, batches, timer) };
}

/**
 * The `validate` hook of a sequence-level KD task whose divergence is fixed by construction; `frozenTeacher` says
 * why the task cannot train its teacher (a `teacherUpdate` strategy is refused with it).
 */
export function fixedDivergenceValidation(
  task: string,
  divergence: 'forward' | 'backward',
  why: string,
  instead: string,
  frozenTeacher: string,
): (config: MtConfig) => ConfigIssue[] {
  return (config) => [...kdIssues(config), ...fixedDivergenceIssues(config, task, divergence, why, instead), ...teacherUpdateIssues(config, task, frozenTeacher)];
}
