import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { asLearner, sequenceNll } from '@kt/core';
import { FINETUNE_PLUGIN } from '../config-schema';
import { loadSourceData } from '../data/finetune-data';
import { FinetuneNet } from '../models/finetune-net';
import { BatchOrder, evaluateNet, FINETUNE_METRICS, gatherRows, sourceIssues, writeSourceRecord, type FinetuneTask } from './finetune-task-kit';

/** One supervised step's batch. */
export interface PretrainBatch {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor1D;
  dispose(): void;
}

/**
 * `task: pretrain` — the source model: the network of `model` trained on `data.source` (cross-entropy, core's
 * `sequenceNll`). Task `finetune` has core provision it as a run of its own; it also runs alone. Writes
 * `artifacts/source-model.json` (input shape, classes, network) beside the weights.
 */
export const finetunePretrainTask: FinetuneTask<PretrainBatch> = {
  plugin: FINETUNE_PLUGIN,
  name: 'pretrain',
  description: 'pre-train the source model on data.source (the starting point that finetune provisions)',
  metrics: FINETUNE_METRICS,
  validate: (config) => sourceIssues(config).filter((i) => i.path !== 'pretrain.checkpoint'),
  async create(ctx) {
    const { config } = ctx;
    const data = loadSourceData(config.data.source);
    const model = new FinetuneNet({ inputShape: data.shape, channels: config.model.channels, dense: config.model.dense, classes: data.classes.length, seed: config.train.seed });
    writeSourceRecord(path.join(ctx.runDir, 'artifacts'), { inputShape: data.shape, classes: data.classes, channels: config.model.channels, dense: config.model.dense });
    ctx.log.info(`pretrain: classes ${data.classes.join(', ')}; ${data.train.n}/${data.val.n}/${data.test.n} images; ${model.parameterCount()} parameters`);
    const learner = asLearner(model);
    const order = new BatchOrder(data.train.n, config.train.batchSize, config.train.seed);
    return {
      learner,
      stepsPerEpoch: order.stepsPerEpoch,
      prepareStep: async (step) => {
        const { x, y } = gatherRows(data.train, order.rowsAt(step));
        return { x, y, dispose: () => tf.dispose([x, y]) };
      },
      loss: (_step, batch) => sequenceNll(model.forward(batch.x), batch.y) as tf.Scalar,
      evaluate: async (split) => evaluateNet(model, data[split]),
      dispose: () => learner.dispose(),
    };
  },
};
