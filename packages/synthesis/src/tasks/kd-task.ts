import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { sequenceNll, writeJsonAtomic } from '@kt/core';
import { SYNTHESIS_PLUGIN } from '../config-schema';
import { createSyntheticData } from '../data/synthetic-data';
import {
  batchOf,
  EpochOrder,
  labelMetrics,
  SYNTHESIS_KD_METRICS,
  newLearner,
  obtainTeacher,
  teacherIssues,
  teacherMetrics,
  writeConfusion,
  type Batch,
  type SynthesisTask,
} from './synthesis-task-kit';

/** A training batch with the frozen teacher's logits on it, computed before the step (outside the gradient tape). */
export interface KdBatch extends Batch {
  readonly teacherLogits: tf.Tensor2D;
}

/**
 * `task: kd` — distil a teacher *trained* from `teacher.*` (provisioned by core: trained once as a `train`
 * run, then reused) into a fresh learner. Each step minimises α·CE(labels, learner) + (1 − α)·D(teacher, learner)
 * through `ctx.objective`: D, its temperature τ and α come from the config's `transfer` section.
 */
export const synthesisKdTask: SynthesisTask<KdBatch> = {
  plugin: SYNTHESIS_PLUGIN,
  name: 'kd',
  description: 'distil a trained (cached) linear-softmax teacher into a linear-softmax learner with the configured divergence',
  metrics: SYNTHESIS_KD_METRICS,
  validate: teacherIssues,
  async create(ctx) {
    const { config, objective } = ctx;
    const data = createSyntheticData(config.data);
    const { teacher, runDir: teacherRun, test: teacherTest } = await obtainTeacher(ctx, data);
    ctx.log.info(`teacher: ${teacherRun}${teacherTest ? ` (test accuracy ${teacherTest['accuracy']?.toFixed(4)})` : ''}`);
    writeJsonAtomic(path.join(ctx.runDir, 'artifacts', 'teacher.json'), { runDir: teacherRun, test: teacherTest });
    const learner = newLearner(config);
    const order = new EpochOrder(data.train.n, config.train.batchSize, config.train.seed);
    return {
      learner,
      teacher,
      stepsPerEpoch: order.stepsPerEpoch,
      prepareStep: async (step) => {
        const batch = batchOf(data.train, data.features, order.rowsAt(step));
        const teacherLogits = teacher.model.logits(batch.x);
        return { ...batch, teacherLogits, dispose: () => tf.dispose([batch.x, batch.y, teacherLogits]) };
      },
      loss: (_step, batch) => {
        const logits = learner.model.logits(batch.x);
        const taskLoss = objective.alpha > 0 ? (sequenceNll(logits, batch.y) as tf.Scalar) : undefined;
        return objective.combine(taskLoss, objective.distill(batch.teacherLogits, logits));
      },
      evaluate: async (split) => ({ ...labelMetrics(learner.model, data[split]), ...teacherMetrics(learner.model, teacher.model, data[split], objective) }),
      writeArtifacts: async (dir) => writeConfusion(dir, learner.model, data.test),
      dispose: () => {
        learner.dispose();
        teacher.dispose();
      },
    };
  },
};
