export { finetunePlugin } from './finetune-plugin';
export { finetuneModule } from './finetune-module';
export {
  FINETUNE_PLUGIN,
  FINETUNE_TASKS,
  FinetuneConfigSchema,
  FinetuneDataSchema,
  FinetuneTeacherSchema,
  type FinetuneConfig,
  type FinetuneDataConfig,
  type FinetuneTaskName,
} from './config-schema';
export { FINETUNE_TASK_BY_NAME, FINETUNE_TASK_LIST } from './tasks/finetune-tasks';
export { finetuneTrainTask } from './tasks/train-task';
export { finetuneKdTask, type KdBatch } from './tasks/kd-task';
export { FINETUNE_KD_METRICS, FINETUNE_TRAIN_METRICS, teacherRunConfig, type FinetuneTask } from './tasks/finetune-task-kit';
export { LinearSoftmaxModel, FINETUNE_MODEL_VERSION } from './models/linear-softmax-model';
export { createSyntheticData, type SyntheticData, type SyntheticSplit } from './data/synthetic-data';
