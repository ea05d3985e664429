export { synthesisPlugin } from './synthesis-plugin';
export { synthesisModule } from './synthesis-module';
export {
  SYNTHESIS_PLUGIN,
  SYNTHESIS_TASKS,
  SynthesisConfigSchema,
  SynthesisDataSchema,
  SynthesisTeacherSchema,
  type SynthesisConfig,
  type SynthesisDataConfig,
  type SynthesisTaskName,
} from './config-schema';
export { SYNTHESIS_TASK_BY_NAME, SYNTHESIS_TASK_LIST } from './tasks/synthesis-tasks';
export { synthesisTrainTask } from './tasks/train-task';
export { synthesisKdTask, type KdBatch } from './tasks/kd-task';
export { SYNTHESIS_KD_METRICS, SYNTHESIS_TRAIN_METRICS, teacherRunConfig, type SynthesisTask } from './tasks/synthesis-task-kit';
export { LinearSoftmaxModel, SYNTHESIS_MODEL_VERSION } from './models/linear-softmax-model';
export { createSyntheticData, type SyntheticData, type SyntheticSplit } from './data/synthetic-data';
