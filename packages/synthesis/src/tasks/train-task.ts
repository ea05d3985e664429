import { SYNTHESIS_PLUGIN } from '../config-schema';
import { createSyntheticData } from '../data/synthetic-data';
import { SYNTHESIS_TRAIN_METRICS, newLearner, supervisedRun, type Batch, type SynthesisTask } from './synthesis-task-kit';

/** `task: train` — the learner on the labels alone (no teacher): the no-KD baseline, and how `kd`'s teacher is trained. */
export const synthesisTrainTask: SynthesisTask<Batch> = {
  plugin: SYNTHESIS_PLUGIN,
  name: 'train',
  description: 'train a linear-softmax learner on the sampled labels (no teacher); also trains the teachers of kd',
  metrics: SYNTHESIS_TRAIN_METRICS,
  async create(ctx) {
    const { config } = ctx;
    const data = createSyntheticData(config.data);
    ctx.log.info(`${config.data.features} features, ${config.data.classes} classes, ${data.train.n}/${data.val.n}/${data.test.n} rows`);
    return supervisedRun(newLearner(config), data, config.train);
  },
};
