import * as tf from '@tensorflow/tfjs';
import { reinforceBackwardKl, tokenLogProbs } from '@kt/core';
import { MT_METRICS, disposeTargets, fixedDivergenceValidation, sampleTargets, setUpFrozenTeacherKd, type MtTask, type TargetTensors } from './mt-task-kit';
import { prepareBatch, referenceLoss, type BatchPrepared } from './mt-teacher';

interface ReinforcePrepared extends BatchPrepared {
  /** The learner's samples y ~ p_θ(·|x). */
  samples: TargetTensors;
  /** Teacher log q of the sampled tokens, [B, T]. */
  teacherLogProbs: tf.Tensor2D;
}

/** Sequence-level backward KL by REINFORCE: the learner samples, the teacher's log-probability is the reward. */
export const mtReinforceTask: MtTask<ReinforcePrepared> = {
  plugin: 'mt',
  name: 'reinforce',
  description: 'sequence-level backward KL by REINFORCE on learner samples, teacher log q as reward',
  metrics: MT_METRICS,
  validate: fixedDivergenceValidation(
    'reinforce',
    'backward',
    'sequence-level backward KL by construction (the learner samples, the teacher scores)',
    "for forward KL use task seq-kd (sequence level) or word-kd (token level)",
    "rewards the learner's samples with the teacher's log-probabilities, scored before each step outside the loss (the teacher is frozen)",
  ),
  async create(ctx) {
    const { config, objective } = ctx;
    const { setup, teacher, batches, timer, labelSmoothing: ls, parts } = await setUpFrozenTeacherKd(ctx);
    const { data, model } = setup;
    return {
      ...parts,
      async prepareStep(step) {
        step.rng.next(); // the draw word-kd spends on λ: keeps the dropout seeds of both tasks aligned
        const base = prepareBatch(step, batches, data, timer);
        let samples: TargetTensors | undefined;
        try {
          const s = sampleTargets(model, base.batch, config, step);
          samples = s;
          const teacherLogProbs = tf.tidy(
            () => tokenLogProbs(teacher.teacher.model.forward(base.batch.src, s.tgtIn, { training: false }), s.tgtOut) as tf.Tensor2D,
          );
          return { ...base, samples: s, teacherLogProbs, dispose: () => (base.dispose(), disposeTargets(s), teacherLogProbs.dispose()) };
        } catch (err) {
          base.dispose();
          disposeTargets(samples);
          throw err;
        }
      },
      loss(step, p) {
        // The learner's log-probabilities of its own samples, without dropout (the sampling policy).
        const learnerLogits = model.forward(p.batch.src, p.samples.tgtIn, { training: false });
        const { loss: kd, reward } = reinforceBackwardKl({
          learnerLogProbs: tokenLogProbs(learnerLogits, p.samples.tgtOut),
          teacherLogProbs: p.teacherLogProbs,
          mask: p.samples.mask,
          baseline: config.kd.reinforceBaseline,
          perToken: config.kd.reinforcePerToken,
        });
        step.report('reward', tf.mean(reward).dataSync()[0]!);
        return objective.combine(objective.alpha > 0 ? referenceLoss(model, p, ls) : undefined, kd);
      },
    };
  },
};
