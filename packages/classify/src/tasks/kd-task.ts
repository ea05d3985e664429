import * as path from 'path';
import type * as tf from '@tensorflow/tfjs';
import { asLearner, sequenceNll, writeJsonAtomic } from '@kt/core';
import { EpochBatches, evaluateClassifier, gather, loadClassificationData, logitsOf, modelFor, rows } from '@kt/vision';
import { predictionsOf, writePredictions } from '../report/classify-report-contribution';
import { carveQuiz, CLASSIFY_METRICS, classifyIssues, obtainTeacher, type ClassifyTask } from './classify-kit';

/** Knowledge distillation: α·CE(labels) + (1 − α)·D(teacher, learner), D and τ from `transfer`. */
export const classifyKdTask: ClassifyTask = {
  plugin: 'classify',
  name: 'kd',
  description: 'train a teacher (cached), then distil it into a smaller learner with the configured divergence',
  metrics: CLASSIFY_METRICS,
  validate: (cfg) => classifyIssues(cfg, { teacher: cfg.transfer.alpha < 1, task: 'kd' }),
  async create(ctx) {
    const cfg = ctx.config;
    const data = loadClassificationData(cfg.data);
    const { objective } = ctx;
    // α = 1 is plain supervised training: no teacher is needed.
    // MetaDistil (teacherUpdate): the teacher trains, scored by the learner on a quiz split carved from train.
    const { train, quiz } = carveQuiz(data, cfg);
    const teacher = objective.alpha < 1 ? await obtainTeacher(ctx, data, { trainable: quiz !== undefined }) : undefined;
    const teacherFile = path.join(ctx.runDir, 'artifacts', 'teacher.json');
    if (teacher) writeJsonAtomic(teacherFile, { test: teacher.test, parameters: teacher.teacher.parameterCount(), source: teacher.source });
    const model = modelFor(cfg.learner.model, data, cfg.train.seed, 'learner');
    const learner = asLearner(model);
    // A frozen teacher's logits on the training set are computed once, not per batch; a trainable one runs in the loss.
    const teacherLogits = teacher && !teacher.teacher.trainable ? logitsOf(teacher.teacher.model, train) : undefined;
    const batches = new EpochBatches(train.n, cfg.train.batchSize, cfg.train.seed);
    const quizBatches = quiz ? new EpochBatches(quiz.n, cfg.train.batchSize, cfg.train.seed + 1) : undefined;
    ctx.log.info(`learner: ${model.parameterCount()} parameters; ${train.n} training examples, ${batches.count} steps per epoch${quiz ? `; quiz split ${quiz.n}` : ''}`);
    return {
      learner,
      teacher: teacher?.teacher,
      stepsPerEpoch: batches.count,
      loss: (step) => {
        const idx = batches.at(step);
        const { x, y } = gather(train, idx);
        const logits = model.forward(x, true, step.rng.seed());
        const ce = objective.alpha > 0 ? (sequenceNll(logits, y) as tf.Scalar) : undefined;
        const target = teacherLogits ? rows(teacherLogits, data.numClasses, idx) : teacher?.teacher.model.forward(x, false);
        const kd = target ? objective.distill(target, logits) : undefined;
        return objective.combine(ce, kd);
      },
      quizLoss:
        quiz && quizBatches
          ? (step): tf.Scalar => {
              const { x, y } = gather(quiz, quizBatches.at(step));
              return sequenceNll(model.forward(x, false), y) as tf.Scalar;
            }
          : undefined,
      evaluate: async (split) => evaluateClassifier(model, data[split]),
      async writeArtifacts(dir) {
        // Per test example: label, predicted class, probabilities (kt report's confusion table).
        writePredictions(dir, predictionsOf(model, data.test));
        // A trained teacher: its scores before (teacher.test) and after the run (does it get worse at the task?).
        if (teacher?.teacher.trainable) {
          const after = { val: evaluateClassifier(teacher.teacher.model, data.val), test: evaluateClassifier(teacher.teacher.model, data.test) };
          writeJsonAtomic(path.join(dir, 'teacher.json'), { test: teacher.test, after, parameters: teacher.teacher.parameterCount(), source: teacher.source });
        }
      },
      dispose: () => {
        learner.dispose();
        teacher?.teacher.dispose();
      },
    };
  },
};
