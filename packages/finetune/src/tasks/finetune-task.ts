import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { asLearner, asTeacher, ConfigError, disposeMap, sequenceNll, writeJsonAtomic, type ConfigIssue } from '@kt/core';
import { FINETUNE_PLUGIN, type FinetuneConfig } from '../config-schema';
import { loadTargetData } from '../data/finetune-data';
import { FinetuneNet, type BodyOutput } from '../models/finetune-net';
import { fitHead, type FittedHead } from '../regularisers/fitted-head';
import type { Regulariser } from '../regularisers/regulariser';
import { createRegularisers, regulariserIssues } from '../regularisers/regulariser-registry';
import type { RegulariserName } from '../regularisers/regulariser-schema';
import { BatchOrder, evaluateNet, featuresOf, FINETUNE_METRICS, gatherRows, obtainSourceModel, sourceIssues, type FinetuneTask } from './finetune-task-kit';
import { imageDataIssues } from '@kt/vision';

/** The regularisers that read the starting point's outputs on each batch (the others read weights or the learner only). */
const READS_START: ReadonlySet<RegulariserName> = new Set(['at', 'delta', 'tred', 'kd']);

/** A training batch and, when a regulariser reads it, the frozen starting point's maps and features on it (outside the tape). */
export interface FinetuneBatch {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor1D;
  readonly start?: BodyOutput;
  dispose(): void;
}

/** The frozen starting point's maps and features on `x`, kept beyond the tidy (the batch's `dispose` frees them). */
function startBody(start: FinetuneNet, x: tf.Tensor): BodyOutput {
  const kept = tf.tidy(() => {
    const out = start.body(x);
    return { features: out.features, maps: { ...out.maps } };
  });
  return kept as unknown as BodyOutput;
}

/** `model.head: keep` needs as many source as target classes: checked statically when both class lists are given. */
function headIssues(config: FinetuneConfig): ConfigIssue[] {
  const source = config.data.source.classes;
  const target = config.data.target.classes;
  if (config.model.head !== 'keep' || !source || !target || source.length === target.length) return [];
  return [{ path: 'model.head', message: `keep: the pre-trained head has ${source.length} classes (data.source.classes) but the target task has ${target.length} (data.target.classes ${target.join(', ')}); use head: new` }];
}

/** The checks `kt validate` makes for task `finetune`. */
export function finetuneIssues(config: FinetuneConfig): ConfigIssue[] {
  return [...sourceIssues(config), ...imageDataIssues(config.data.target.images, 'data.target.images'), ...headIssues(config), ...regulariserIssues(config)];
}

/**
 * `task: finetune` — fine-tune the pre-trained source model (provisioned by core through task `pretrain`, or
 * `pretrain.checkpoint`; `init: scratch` starts from a random init instead) on the target task's few labels:
 * loss = CE(labels, learner) + Σᵢ weightᵢ · penaltyᵢ over `regularisers`.
 */
export const finetuneTask: FinetuneTask<FinetuneBatch> = {
  plugin: FINETUNE_PLUGIN,
  name: 'finetune',
  description: 'fine-tune the pre-trained source model on the target labels with regularisers toward the starting point (L2-SP, AT, DELTA, BSS, TRED, KD)',
  metrics: FINETUNE_METRICS,
  validate: finetuneIssues,
  async create(ctx) {
    const { config } = ctx;
    const data = loadTargetData(config.data.target);
    const classes = data.classes.length;
    const source = await obtainSourceModel(ctx, data);
    const start = source.model;
    const disposables: { dispose(): void }[] = [start];
    try {
      if (config.model.head === 'keep' && start.classes !== classes) {
        throw new ConfigError(`model.head: keep: the pre-trained head has ${start.classes} classes (source classes ${source.record.classes.join(', ')}) but the target task has ${classes} (classes ${data.classes.join(', ')}); use head: new`);
      }
      ctx.log.info(`source model: ${source.runDir}${source.test ? ` (source test accuracy ${(source.test['accuracy']! * 100).toFixed(2)}%)` : ''}`);
      ctx.log.info(`target: classes ${data.classes.join(', ')}; ${data.train.n} labelled / ${data.val.n} val / ${data.test.n} test images`);
      const model = new FinetuneNet({ inputShape: data.shape, channels: config.model.channels, dense: config.model.dense, classes, seed: config.train.seed });
      disposables.push(model);
      if (config.init === 'pretrained') {
        const w0 = start.getWeights();
        try {
          model.setWeights(w0, { skipHead: config.model.head === 'new' });
        } catch (err) {
          throw new ConfigError(`model: the source model in ${source.runDir} does not fit: ${(err as Error).message}`);
        } finally {
          disposeMap(w0);
        }
      }
      let startFeatures: Float32Array | undefined;
      let head: FittedHead | undefined;
      const setupStartFeatures = (): Float32Array => (startFeatures ??= featuresOf(start, data.train));
      const regularisers: Regulariser[] = createRegularisers(config, {
        config,
        learner: model,
        start,
        data,
        objective: ctx.objective,
        log: ctx.log,
        startFeatures: setupStartFeatures,
        fittedHead: () => {
          if (!head) {
            head = fitHead(setupStartFeatures(), data.train.y, classes, { seed: config.train.seed });
            disposables.push(head);
          }
          return head;
        },
      });
      disposables.push(...regularisers);
      const weights = config.regularisers.map((r) => r.weight);
      const readsStart = config.regularisers.some((r) => READS_START.has(r.name));
      const order = new BatchOrder(data.train.n, config.train.batchSize, config.train.seed);
      writeJsonAtomic(path.join(ctx.runDir, 'artifacts', 'source.json'), { runDir: source.runDir, fromCache: source.fromCache, test: source.test, classes: source.record.classes });
      const learner = asLearner(model);
      const teacher = asTeacher(start);
      const logEvery = config.train.logEvery;
      return {
        learner,
        teacher,
        stepsPerEpoch: order.stepsPerEpoch,
        prepareStep: async (step) => {
          const { x, y } = gatherRows(data.train, order.rowsAt(step));
          const startOut = readsStart ? startBody(start, x) : undefined;
          return { x, y, start: startOut, dispose: () => tf.dispose([x, y, ...(startOut ? [startOut.features, ...Object.values(startOut.maps)] : [])]) };
        },
        loss: (step, batch) => {
          const body = model.body(batch.x);
          const logits = model.headLogits(body.features);
          const ce = sequenceNll(logits, batch.y) as tf.Scalar;
          if (regularisers.length === 0) return ce;
          const view = { x: batch.x, y: batch.y, learner: { ...body, logits }, start: batch.start ?? body };
          const penalties = regularisers.map((r) => r.penalty(view));
          if ((step.step + 1) % logEvery === 0) penalties.forEach((p, i) => step.report(regularisers[i]!.name, p.dataSync()[0]!));
          return tf.addN([ce, ...penalties.map((p, i) => tf.mul(p, weights[i]!))]) as tf.Scalar;
        },
        evaluate: async (split) => evaluateNet(model, data[split]),
        dispose: () => {
          for (const d of disposables) d.dispose();
        },
      };
    } catch (err) {
      for (const d of disposables) d.dispose();
      throw err;
    }
  },
};
