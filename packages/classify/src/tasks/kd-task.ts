import * as path from 'path';
import type * as tf from '@tensorflow/tfjs';
import { asLearner, sequenceNll, writeJsonAtomic } from '@kt/core';
import { EpochBatches, evaluateClassifier, gather, loadClassificationData, logitsOf, modelFor, rows } from '@kt/vision';
import { CLASSIFY_METRICS, classifyIssues, obtainTeacher, type ClassifyTask } from './classify-kit';

/** Knowledge distillation: α·CE(labels) + (1 − α)·D(teacher, learner), D and τ from `transfer`. */
export const classifyKdTask: ClassifyTask = {
  plugin: 'classify',
  name: 'kd',
  description: 'train a teacher (cached), then distil it into a smaller learner with the configured divergence',
  metrics: CLASSIFY_METRICS,
  validate: (cfg) => classifyIssues(cfg, { teacher: cfg.transfer.alpha < 1 }),
  async create(ctx) {
    const cfg = ctx.config;
    const data = loadClassificationData(cfg.data);
    const { objective } = ctx;
    // α = 1 is plain supervised training: no teacher is needed.
    const teacher = objective.alpha < 1 ? await obtainTeacher(ctx, data) : undefined;
    if (teacher) writeJsonAtomic(path.join(ctx.runDir, 'artifacts', 'teacher.json'), { test: teacher.test, parameters: teacher.teacher.parameterCount(), source: teacher.source });
    const model = modelFor(cfg.learner.model, data, cfg.train.seed, 'learner');
    const learner = asLearner(model);
    // The teacher is frozen: its logits on the training set are computed once, not per batch.
    const teacherLogits = teacher ? logitsOf(teacher.teacher.model, data.train) : undefined;
    const batches = new EpochBatches(data.train.n, cfg.train.batchSize, cfg.train.seed);
    ctx.log.info(`learner: ${model.parameterCount()} parameters; ${data.train.n} training examples, ${batches.count} steps per epoch`);
    return {
      learner,
      teacher: teacher?.teacher,
      stepsPerEpoch: batches.count,
      loss: (step) => {
        const idx = batches.at(step);
        const { x, y } = gather(data.train, idx);
        const logits = model.forward(x, true, step.rng.seed());
        const ce = objective.alpha > 0 ? (sequenceNll(logits, y) as tf.Scalar) : undefined;
        const kd = teacherLogits ? objective.distill(rows(teacherLogits, data.numClasses, idx), logits) : undefined;
        return objective.combine(ce, kd);
      },
      evaluate: async (split) => evaluateClassifier(model, data[split]),
      dispose: () => {
        learner.dispose();
        teacher?.teacher.dispose();
      },
    };
  },
};
