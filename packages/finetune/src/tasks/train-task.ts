import { FINETUNE_PLUGIN } from '../config-schema';
import { createSyntheticData } from '../data/synthetic-data';
import { FINETUNE_TRAIN_METRICS, newLearner, supervisedRun, type Batch, type FinetuneTask } from './finetune-task-kit';

/** `task: train` — the learner on the labels alone (no teacher): the no-KD baseline, and how `kd`'s teacher is trained. */
export const finetuneTrainTask: FinetuneTask<Batch> = {
  plugin: FINETUNE_PLUGIN,
  name: 'train',
  description: 'train a linear-softmax learner on the sampled labels (no teacher); also trains the teachers of kd',
  metrics: FINETUNE_TRAIN_METRICS,
  async create(ctx) {
    const { config } = ctx;
    const data = createSyntheticData(config.data);
    ctx.log.info(`${config.data.features} features, ${config.data.classes} classes, ${data.train.n}/${data.val.n}/${data.test.n} rows`);
    return supervisedRun(newLearner(config), data, config.train);
  },
};
