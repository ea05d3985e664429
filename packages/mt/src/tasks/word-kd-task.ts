import * as tf from '@tensorflow/tfjs';
import { sequenceNll } from '@kt/core';
import { carveQuiz, MT_METRICS, disposeTargets, kdIssues, kdRunParts, quizLossOf, sampleTargets, setUpLearnerAndTeacher, withTeacherRole, type MtTask, type TargetTensors } from './mt-task-kit';
import { prepareBatch, referenceLoss, stepBatches, type BatchPrepared } from './mt-teacher';
import { StepBatches, StepTimer } from './step-batches';

interface WordKdPrepared extends BatchPrepared {
  /** On-policy steps (GKD λ): the learner's samples, used as decoder prefixes. */
  samples?: TargetTensors;
  /** A frozen teacher's logits [B, T, V] on the prefixes the divergence uses (references or samples); a trainable one runs in `loss`. */
  teacherLogits?: tf.Tensor3D;
}

/**
 * Word-level KD: `transfer.divergence` between the teacher's and the learner's next-token distributions
 * on reference prefixes, or, for a fraction λ of steps, on the learner's own samples (GKD);
 * α-weighted with the label-smoothed reference NLL.
 */
export const mtWordKdTask: MtTask<WordKdPrepared> = {
  plugin: 'mt',
  name: 'word-kd',
  description: 'word-level KD: transfer.divergence between teacher and learner next-token distributions (λ of steps on learner samples)',
  metrics: MT_METRICS,
  validate: kdIssues,
  async create(ctx) {
    const { config, objective } = ctx;
    const { setup, teacher: loaded } = await setUpLearnerAndTeacher(ctx);
    const { model } = setup;
    // MetaDistil (teacherUpdate): a trainable teacher, run inside the loss, and a quiz split carved from train.
    const teacher = withTeacherRole(loaded, config);
    const trainable = teacher.teacher.trainable;
    const { data, quiz } = carveQuiz(setup.data, config);
    const batches = stepBatches(data, config.train, config.batching);
    const quizBatches = quiz ? new StepBatches(quiz, { seed: config.train.seed + 1, batchSize: config.train.batchSize, maxTokens: config.batching.maxTokens }) : undefined;
    const timer = new StepTimer();
    const ls = config.learner.model.labelSmoothing;
    ctx.log.info(`learner: ${data.train.src.length} training pairs in ${batches.count} batches per epoch${quiz ? `; quiz split ${quiz.src.length} pairs` : ''}`);
    return {
      ...kdRunParts(setup, teacher, batches, timer),
      async prepareStep(step) {
        const onPolicy = objective.isOnPolicy(step.rng.next());
        const base = prepareBatch(step, batches, data, timer);
        let samples: TargetTensors | undefined;
        try {
          samples = onPolicy ? sampleTargets(model, base.batch, config, step) : undefined;
          const prefixes = samples?.tgtIn ?? base.batch.tgtIn;
          const teacherLogits = trainable ? undefined : tf.tidy(() => teacher.teacher.model.forward(base.batch.src, prefixes, { training: false }));
          return {
            ...base,
            samples,
            teacherLogits,
            dispose: () => {
              base.dispose();
              disposeTargets(samples);
              teacherLogits?.dispose();
            },
          };
        } catch (err) {
          base.dispose();
          disposeTargets(samples);
          throw err;
        }
      },
      loss(_step, p) {
        const prefixes = p.samples?.tgtIn ?? p.batch.tgtIn;
        const mask = p.samples?.mask ?? p.batch.mask;
        const logits = model.forward(p.batch.src, prefixes, { training: true, dropoutSeed: p.dropoutSeed });
        const teacherLogits = p.teacherLogits ?? teacher.teacher.model.forward(p.batch.src, prefixes, { training: false });
        const kd = objective.distill(teacherLogits, logits, mask);
        if (objective.alpha === 0) return kd;
        // The task loss: reference NLL — on the same forward pass when the prefixes are the references.
        const task = p.samples ? referenceLoss(model, p, ls) : referenceLossOf(logits, p, ls);
        return objective.combine(task, kd);
      },
      quizLoss: quizBatches ? quizLossOf(model, quizBatches) : undefined,
    };
  },
};

/** Label-smoothed reference NLL from logits already computed on the reference prefixes. */
function referenceLossOf(logits: tf.Tensor3D, p: BatchPrepared, labelSmoothing: number): tf.Scalar {
  return sequenceNll(logits, p.batch.tgtOut, p.batch.mask, { labelSmoothing }) as tf.Scalar;
}
