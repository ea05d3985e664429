import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  asTeacher,
  carveQuizSplit,
  ConfigError,
  disposeMap,
  hasTensors,
  loadTensors,
  metaTeacherUpdate,
  readRunWeights,
  readSummary,
  type ConfigIssue,
  type Metrics,
  type Task,
  type TaskContext,
  type Teacher,
  type Wrapped,
} from '@kt/core';
import { ClassifyConfigSchema, type ClassifyConfig } from '../config-schema';
import {
  CLASSIFIER_METRICS,
  dataContentHash,
  evaluateClassifier,
  imageDataIssues,
  modelFor,
  VISION_MODEL_VERSION,
  type ClassificationData,
  selectExamples,
  type ClassificationSplit,
  type ClassifierModel,
} from '@kt/vision';

/** A classify task, typed by the classify config (its steps prepare nothing). */
export type ClassifyTask = Task<ClassifyConfig, undefined>;

/** What the classify tasks' `evaluate` reports. */
export const CLASSIFY_METRICS = CLASSIFIER_METRICS;

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
export async function obtainTeacher(ctx: TaskContext<ClassifyConfig>, data: ClassificationData, options: { trainable?: boolean } = {}): Promise<ClassifyTeacher> {
  const cfg = ctx.config;
  const model = modelFor(cfg.teacher.model, data, cfg.teacher.seed, 'teacher');
  const teacher = asTeacher(model, { trainable: options.trainable ?? false });
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

/**
 * The quiz split of the MetaDistil strategies (`teacherUpdate`): `quizFraction` of the training examples,
 * held out from the learner's training data (never val or test). Without a meta strategy: all of train.
 */
export function carveQuiz(data: ClassificationData, cfg: ClassifyConfig): { train: ClassificationSplit; quiz?: ClassificationSplit } {
  const meta = metaTeacherUpdate(cfg);
  if (!meta) return { train: data.train };
  const split = carveQuizSplit(data.train.n, meta.quizFraction, cfg.train.seed);
  return { train: selectExamples(data.train, split.train), quiz: selectExamples(data.train, split.quiz) };
}

/** Files a classify config names that `kt validate` can check without loading them. */
export function classifyIssues(cfg: ClassifyConfig, options: { teacher: boolean; task: 'kd' | 'train' }): ConfigIssue[] {
  const issues: ConfigIssue[] = imageDataIssues(cfg.data);
  const meta = metaTeacherUpdate(cfg);
  if (meta && options.task === 'train') {
    issues.push({ path: 'teacherUpdate.strategy', message: `task train trains on labels only and has no teacher to update with ${meta.strategy}: use task kd (with transfer.alpha < 1), or remove teacherUpdate` });
  } else if (meta && !options.teacher) {
    issues.push({ path: 'teacherUpdate.strategy', message: `${meta.strategy} trains the teacher through the distillation loss, but transfer.alpha = 1 uses no teacher: lower transfer.alpha or remove teacherUpdate` });
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
