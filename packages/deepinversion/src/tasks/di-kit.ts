import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { asTeacher, ConfigError, disposeMap, readRunWeights, readSummary, type ConfigIssue, type Metrics, type Task, type TaskContext, type Teacher, type Wrapped } from '@kt/core';
import { dataContentHash, evaluateClassifier, imageDataIssues, modelFor, VISION_MODEL_VERSION, type ClassificationData, type ClassifierModel } from '@kt/vision';
import { DeepInversionConfigSchema, type DeepInversionConfig } from '../config-schema';

/** A deepinversion task, typed by its config. */
export type DeepInversionTask = Task<DeepInversionConfig>;

/** The two supervised networks a distill run needs: the teacher it inverts and the verifier that scores the images. */
export type SupervisedRole = 'teacher' | 'verifier';

/** The experiment that trains the `role` network of `cfg`: task `train` with its model, optimizer settings and seed. */
export function supervisedRunConfig(cfg: DeepInversionConfig, role: SupervisedRole): DeepInversionConfig {
  const spec = cfg[role];
  return DeepInversionConfigSchema.parse({
    plugin: 'deepinversion',
    task: 'train',
    name: role,
    backend: cfg.backend,
    data: cfg.data,
    learner: { model: spec.model },
    train: { ...spec.train, seed: spec.seed },
    output: cfg.output,
  });
}

/** A trained network for a role: the model, where its weights came from, its test scores. */
export interface SupervisedNetwork {
  network: Teacher & Wrapped<ClassifierModel>;
  source: string;
  test: Metrics;
}

/** Loads a run directory's weights into `model`; a shape or name mismatch is a ConfigError naming the run. */
export function loadRunInto(model: ClassifierModel, runDir: string, what: string): void {
  const weights = readRunWeights(runDir);
  try {
    model.setWeights(weights);
  } catch (err) {
    throw new ConfigError(`${what} weights in ${runDir} do not fit ${what}.model: ${(err as Error).message}`);
  } finally {
    disposeMap(weights);
  }
}

/**
 * The `role` network: `<role>.checkpoint` (a deepinversion or classify `train` run directory) or a network provisioned
 * by core — trained from `<role>.*` as a deepinversion `train` run, cached and reused across runs.
 */
export async function obtainSupervised(ctx: TaskContext<DeepInversionConfig>, data: ClassificationData, role: SupervisedRole): Promise<SupervisedNetwork> {
  const spec = ctx.config[role];
  const model = modelFor(spec.model, data, spec.seed, role);
  const network = asTeacher(model, { name: role });
  try {
    let source: string;
    if (spec.checkpoint !== undefined) {
      if (!fs.existsSync(path.join(spec.checkpoint, 'summary.json'))) throw new ConfigError(`${role}.checkpoint: ${spec.checkpoint} is not a kt run directory (no summary.json)`);
      source = path.resolve(spec.checkpoint);
    } else {
      ctx.log.info(`${role}: ${model.parameterCount()} parameters (${spec.model.kind})`);
      const provisioned = await ctx.teachers.provision({ config: supervisedRunConfig(ctx.config, role), dataHash: dataContentHash(data), modelVersion: VISION_MODEL_VERSION });
      source = provisioned.runDir;
    }
    loadRunInto(model, source, role);
    const test = readSummary(source)?.test ?? evaluateClassifier(model, data.test);
    ctx.log.info(`${role}: test accuracy ${((test['accuracy'] ?? Number.NaN) * 100).toFixed(2)}% (${source})`);
    return { network, source, test };
  } catch (err) {
    network.dispose();
    throw err;
  }
}

/** Checks that `model` takes images of `shape` and gives `numClasses` logits; a ConfigError (exit 2) saying which differs. */
export function assertFits(model: ClassifierModel, shape: readonly number[], numClasses: number, what: string): void {
  const expected = model.inputShape.reduce((a, b) => a * b, 1);
  const given = shape.reduce((a, b) => a * b, 1);
  if (expected !== given || (model.inputShape.length === shape.length && model.inputShape.some((v, i) => v !== shape[i]))) {
    throw new ConfigError(`${what} takes images of shape [${model.inputShape.join(', ')}], the images are [${shape.join(', ')}]`);
  }
  if (model.numClasses !== numClasses) throw new ConfigError(`${what} has ${model.numClasses} classes, the data has ${numClasses}`);
}

/** The feature term needs BatchNorm running statistics: a ConfigError saying so, and how to turn the term off. */
export function assertBatchNorm(model: ClassifierModel, featureWeight: number, what = 'teacher'): void {
  if (featureWeight > 0 && model.batchNormLayers().length === 0) {
    throw new ConfigError(
      `${what} has no BatchNorm layer: DeepInversion's feature term (synthesis.loss.feature = ${featureWeight}) matches BatchNorm running statistics. ` +
        `Use a ${what} with BatchNorm (model kind resnet, or vgg with batchNorm: true), or set synthesis.loss.feature: 0 to synthesise without it.`,
    );
  }
}

/** Checks `kt validate` can make without loading anything. */
export function deepInversionIssues(cfg: DeepInversionConfig, options: { distill: boolean }): ConfigIssue[] {
  const issues: ConfigIssue[] = [...imageDataIssues(cfg.data)];
  if (!options.distill) return issues;
  for (const role of ['teacher', 'verifier'] as const) {
    const checkpoint = cfg[role].checkpoint;
    if (checkpoint !== undefined && !fs.existsSync(path.join(checkpoint, 'summary.json'))) {
      issues.push({ path: `${role}.checkpoint`, message: `${checkpoint} is not a kt run directory (no summary.json)` });
    }
  }
  const teacherModel = cfg.teacher.model;
  if (cfg.synthesis.loss.feature > 0 && (teacherModel.kind === 'mlp' || teacherModel.kind === 'cnn' || (teacherModel.kind === 'vgg' && !teacherModel.batchNorm))) {
    issues.push({
      path: 'synthesis.loss.feature',
      message: `the feature term needs BatchNorm statistics and teacher.model (${teacherModel.kind}) has no BatchNorm layer: use resnet or vgg with batchNorm, or set synthesis.loss.feature: 0`,
    });
  }
  if (cfg.train.steps !== undefined || cfg.train.epochs !== undefined) {
    issues.push({ path: 'train', message: 'task distill runs rounds.count × rounds.stepsPerRound steps: leave train.steps and train.epochs out' });
  }
  if (cfg.transfer.alpha > 0 && cfg.rounds.source === 'noise') {
    issues.push({ path: 'transfer.alpha', message: 'noise images have no labels: use transfer.alpha: 0 with rounds.source: noise' });
  }
  return issues;
}

/** Logits of `model` on `n` images (flat NHWC values), in chunks; a plain [n · classes] array. */
export function logitsOfImages(model: ClassifierModel, x: Float32Array, n: number, shape: readonly number[], chunk = 500): Float32Array {
  const d = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * model.numClasses);
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    const values = tf.tidy(() => model.forward(tf.tensor(x.subarray(start * d, (start + m) * d), [m, ...shape]), false).dataSync());
    out.set(values, start * model.numClasses);
  }
  return out;
}
