import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { asLearner, asTeacher, ConfigError, disposeMap, readRunWeights, writeJsonAtomic, type ConfigIssue, type StepContext, type TaskContext } from '@kt/core';
import { KgConfigSchema, type KgConfig } from '../config-schema';
import { KnownAnswers, selectTriples, type AlignmentLinks, type MultilingualGraph, type Triples } from '../data';
import type { EvaluationReport, PredictionsArtifact } from '../eval';
import { KG_MODEL_VERSION, KgModel, type Direction } from '../models';
import { NegativeSampler } from '../sampling';
import { EpochBatches } from './epoch-batches';
import { dataIssues, evaluateGraph, graphHash, head, KG_METRICS, metricsOf, modelScorer, testPredictions, writeEvaluation, writeGraphArtifact, writePredictions, type KgTask } from './kg-kit';
import { batchLoss } from './kg-loss';
import { allCounterparts, kensRelationCount, languageScores, learnedLinksFromWeights, type KensModels, type KensView } from './kens-kit';
import { loadMultilingualData, multilingualIssues } from './multilingual-data';

/** The experiment that trains a kd config's teacher: task `kens` on the same languages with `teacher.*`. */
export function kensTeacherConfig(cfg: KgConfig): KgConfig {
  return KgConfigSchema.parse({
    plugin: 'kg',
    task: 'kens',
    name: 'kens-teacher',
    backend: cfg.backend,
    data: cfg.data,
    model: cfg.teacher.model ?? cfg.model,
    loss: cfg.loss,
    negatives: cfg.negatives,
    regularizer: cfg.regularizer,
    eval: cfg.eval,
    kens: cfg.kens,
    train: cfg.teacher.train,
    output: cfg.output,
  });
}

/** Teacher logits of a batch's queries (both directions), computed before the step outside the gradient tape. */
interface TeacherLogits {
  tail: tf.Tensor2D;
  head: tf.Tensor2D;
  dispose(): void;
}

/**
 * The teacher's distribution over the target's entities for target queries, as logits: one support
 * language's scores (the target's own where the anchor has no counterpart there), or the ensemble —
 * log of the mean of the softmax distributions of every language model that has a counterpart.
 */
export function teacherLogits(view: KensView, source: number | 'ensemble', direction: Direction, anchor: tf.Tensor1D, relation: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    // languageScores answers with the target's own model where the anchor has no counterpart.
    if (source !== 'ensemble') return languageScores(view, source, direction, anchor, relation).scores;
    let sum: tf.Tensor | undefined;
    let count: tf.Tensor | undefined;
    view.graph.languages.forEach((_, m) => {
      const { scores, available } = languageScores(view, m, direction, anchor, relation);
      const p = tf.mul(tf.softmax(scores), tf.expandDims(available, 1));
      sum = sum ? tf.add(sum, p) : p;
      count = count ? tf.add(count, available) : available;
    });
    return tf.log(tf.add(tf.div(sum!, tf.expandDims(count!, 1)), 1e-30)) as tf.Tensor2D;
  });
}

/** `kens.models` of a finished kens run (its config.json), or `fallback` when the run does not say. */
function runKensModels(runDir: string, fallback: KensModels): KensModels {
  const file = path.join(runDir, 'config.json');
  if (!fs.existsSync(file)) return fallback;
  const models = (JSON.parse(fs.readFileSync(file, 'utf8')) as { kens?: { models?: KensModels } }).kens?.models;
  return models ?? fallback;
}

async function obtainTeacher(ctx: TaskContext<KgConfig>, graph: MultilingualGraph): Promise<{ model: KgModel; source: string; learned: Map<number, AlignmentLinks>; models: KensModels }> {
  const cfg = ctx.config;
  const teacherConfig = kensTeacherConfig(cfg);
  let runDir = cfg.teacher.checkpoint;
  if (runDir === undefined) {
    const provisioned = await ctx.teachers.provision({ config: teacherConfig, dataHash: graphHash(graph.graphs), modelVersion: KG_MODEL_VERSION });
    runDir = provisioned.runDir;
  } else if (!fs.existsSync(path.join(runDir, 'summary.json'))) {
    throw new ConfigError(`teacher.checkpoint: ${runDir} is not a finished kt run (no summary.json)`);
  }
  // A finished kens run given as teacher.checkpoint scores the way it was trained (its own kens.models).
  const models = cfg.teacher.checkpoint === undefined ? teacherConfig.kens.models : runKensModels(runDir, teacherConfig.kens.models);
  const model = new KgModel(teacherConfig.model, graph.tableSize, kensRelationCount(graph, models), 0);
  const weights = readRunWeights(runDir);
  let learned: Map<number, AlignmentLinks>;
  try {
    model.setWeights(weights);
    learned = learnedLinksFromWeights(graph, weights);
  } catch (err) {
    model.dispose();
    throw new ConfigError(`teacher weights in ${runDir} do not fit teacher.model on these languages: ${(err as Error).message}`);
  } finally {
    disposeMap(weights);
  }
  return { model, source: path.resolve(runDir), learned, models };
}

function kdIssues(cfg: KgConfig): ConfigIssue[] {
  const issues = [...multilingualIssues(cfg), ...(cfg.data.source === 'dbp5l' ? dataIssues(cfg.data) : [])];
  const source = cfg.teacher.source;
  if (cfg.data.source === 'dbp5l' && source !== 'ensemble' && !cfg.data.supports.includes(source)) {
    issues.push({ path: 'teacher.source', message: `"${source}" is neither ensemble nor a support language (${cfg.data.supports.join(', ')})` });
  }
  if (cfg.teacher.checkpoint !== undefined && !fs.existsSync(path.join(cfg.teacher.checkpoint, 'summary.json'))) {
    issues.push({ path: 'teacher.checkpoint', message: `${cfg.teacher.checkpoint} is not a finished kt run (no summary.json)` });
  }
  return issues;
}

/**
 * The kt view of KEnS's transfer: a kens run (provisioned and cached as a run of its own) is the
 * teacher; its distribution over the target's entities — the ensemble's or one support language's —
 * is distilled into a fresh target-language model with the configured divergence (forward or backward
 * KL, …) beside α × the configured task loss.
 */
export const kgKdTask: KgTask<TeacherLogits> = {
  plugin: 'kg',
  name: 'kd',
  description: 'distil a multilingual (kens) teacher distribution over candidate entities into a target-language model with forward/backward KL',
  metrics: KG_METRICS,
  validate: kdIssues,
  async create(ctx) {
    const cfg = ctx.config;
    const graph = loadMultilingualData(cfg, ctx.log);
    const target = graph.graphs[0]!;
    const n = target.entities.length;
    const source = cfg.teacher.source === 'ensemble' ? 'ensemble' : graph.languages.indexOf(cfg.teacher.source);
    if (source === -1) throw new ConfigError(`teacher.source: "${cfg.teacher.source}" is not one of the languages ${graph.languages.join(', ')}`);
    const { objective } = ctx;
    const teacher = objective.alpha < 1 ? await obtainTeacher(ctx, graph) : undefined;
    // The teacher's ensemble votes through its seed and self-learned links.
    const view: KensView | undefined = teacher ? { model: teacher.model, graph, cps: allCounterparts(graph, teacher.learned), models: teacher.models } : undefined;
    const known = new KnownAnswers(target.train, target.valid, target.test);
    if (teacher) {
      const t = await evaluateGraph(modelScorer(teacher.model, { start: 0, size: n }), target, target.test, known, cfg.eval.batchSize, { label: 'teacher eval test', log: ctx.log, shouldStop: ctx.shouldStop });
      ctx.log.info(`teacher (${teacher.source}): target model alone test MRR ${t.both.mrr.toFixed(4)} Hits@10 ${t.both.hits10.toFixed(4)}; distilling ${cfg.teacher.source}`);
      writeJsonAtomic(path.join(ctx.runDir, 'artifacts', 'teacher.json'), { source: teacher.source, distilled: cfg.teacher.source, targetAlone: metricsOf(t) });
    }
    const model = new KgModel(cfg.model, n, graph.numRelations, cfg.train.seed);
    const batches = new EpochBatches(target.train.h.length, cfg.train.batchSize, cfg.train.seed);
    const sampler = new NegativeSampler(target.train, n, graph.numRelations, { kind: cfg.negatives.sampler, count: cfg.negatives.count, filtered: cfg.negatives.filtered });
    const range = { start: 0, size: n };
    const batchOf = (step: StepContext): Triples => selectTriples(target.train, batches.at(step));
    let test: EvaluationReport | undefined;
    let predictions: PredictionsArtifact | undefined;
    return {
      learner: asLearner(model),
      teacher: teacher ? asTeacher(teacher.model) : undefined,
      stepsPerEpoch: batches.count,
      prepareStep: async (step): Promise<TeacherLogits> => {
        const b = batchOf(step);
        if (!view) {
          const none = tf.zeros([0, n]) as tf.Tensor2D;
          return { tail: none, head: none, dispose: () => none.dispose() };
        }
        const [tail, head] = tf.tidy(() => {
          const r = tf.tensor1d(b.r, 'int32');
          return [teacherLogits(view, source, 'tail', tf.tensor1d(b.h, 'int32'), r), teacherLogits(view, source, 'head', tf.tensor1d(b.t, 'int32'), r)];
        });
        return { tail: tail!, head: head!, dispose: () => tf.dispose([tail!, head!]) };
      },
      loss: (step, prepared) =>
        tf.tidy(() => {
          const b = batchOf(step);
          const task = objective.alpha > 0 ? batchLoss(model, b, cfg, sampler, step.rng, range) : undefined;
          let kd: tf.Scalar | undefined;
          if (teacher) {
            const r = tf.tensor1d(b.r, 'int32');
            const tail = objective.distill(prepared.tail, model.scoreAll('tail', tf.tensor1d(b.h, 'int32'), r));
            const headLoss = objective.distill(prepared.head, model.scoreAll('head', tf.tensor1d(b.t, 'int32'), r));
            kd = tf.div(tf.add(tail, headLoss), 2) as tf.Scalar;
          }
          return objective.combine(task, kd);
        }),
      evaluate: async (split) => {
        const scorer = modelScorer(model, range);
        const report = await evaluateGraph(scorer, target, split === 'val' ? head(target.valid, cfg.eval.maxValid) : target.test, known, cfg.eval.batchSize, { label: `eval ${split}`, log: ctx.log, shouldStop: ctx.shouldStop });
        if (split === 'test') {
          test = report;
          predictions = await testPredictions([{ predictor: 'learner', score: scorer }], target, known);
        }
        return metricsOf(report);
      },
      writeArtifacts: async (dir) => {
        writeGraphArtifact(dir, target, range, n);
        if (test) writeEvaluation(dir, 'test', test, target.checks, { model: cfg.model, teacher: cfg.teacher.source, divergence: objective.divergence, alpha: objective.alpha });
        if (predictions) writePredictions(dir, predictions);
      },
      dispose: () => {
        model.dispose();
        teacher?.model.dispose();
      },
    };
  },
};
