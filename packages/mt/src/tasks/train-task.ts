import { MT_METRICS, trainIssues, mtReporting, setUpLearner, type MtTask } from './mt-task-kit';
import { supervisedRun, type BatchPrepared } from './mt-teacher';

/** Supervised NLL on the references (label smoothing): the no-KD baseline, and how teachers are trained. */
export const mtTrainTask: MtTask<BatchPrepared> = {
  plugin: 'mt',
  name: 'train',
  description: 'train the learner on the references (label-smoothed NLL): the no-KD baseline',
  metrics: MT_METRICS,
  validate: trainIssues,
  async create(ctx) {
    const setup = await setUpLearner(ctx);
    const { config } = ctx;
    const run = supervisedRun(setup.learner, setup.data, {
      train: config.train,
      batching: config.batching,
      labelSmoothing: config.learner.model.labelSmoothing,
      decode: setup.decode,
      evalLimit: setup.evalLimit,
    });
    return { ...run, ...mtReporting(setup, run.timer) };
  },
};
