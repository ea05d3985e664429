export { finetunePlugin } from './finetune-plugin';
export { finetuneModule } from './finetune-module';
export {
  FINETUNE_PLUGIN,
  FINETUNE_TASKS,
  FinetuneConfigSchema,
  FinetuneDataSchema,
  FinetuneModelSchema,
  PretrainSchema,
  SourceDataSchema,
  TargetDataSchema,
  type FinetuneConfig,
  type FinetuneDataConfig,
  type FinetuneModelConfig,
  type FinetuneTaskName,
  type SourceDataConfig,
  type TargetDataConfig,
} from './config-schema';
export { FINETUNE_TASK_BY_NAME, FINETUNE_TASK_LIST } from './tasks/finetune-tasks';
export { finetunePretrainTask, type PretrainBatch } from './tasks/pretrain-task';
export { finetuneIssues, finetuneTask, type FinetuneBatch } from './tasks/finetune-task';
export {
  BatchOrder,
  checkInputShape,
  evaluateNet,
  FINETUNE_METRICS,
  pretrainRunConfig,
  SOURCE_MODEL_FILE,
  type FinetuneTask,
  type SourceModel,
  type SourceModelRecord,
} from './tasks/finetune-task-kit';
export { FEATURE_LAYER, FINETUNE_MODEL_VERSION, FinetuneNet, HEAD_LAYER, type BodyOutput, type ChannelMask, type FinetuneNetOptions } from './models/finetune-net';
export { clearImageCache, loadSourceData, loadTargetData, type TaskData } from './data/finetune-data';
export { symmetricEigen, type SymmetricEigen } from './linalg/jacobi-eigen';
export { smallestSingularValuesSquared } from './linalg/smallest-singular-values';
export { RegulariserSchema, type RegulariserConfig, type RegulariserConfigOf, type RegulariserName } from './regularisers/regulariser-schema';
export type { Regulariser, RegulariserDefinition, RegulariserSetup, StepFeatures } from './regularisers/regulariser';
export { createRegularisers, REGULARISER_NAMES, REGULARISERS, regulariserIssues } from './regularisers/regulariser-registry';
export { fitHead, type FittedHead } from './regularisers/fitted-head';
export { l2Penalty } from './regularisers/l2-regulariser';
export { l2SpPenalty } from './regularisers/l2-sp-regulariser';
export { attentionMap, atPenalty } from './regularisers/at-regulariser';
export { channelLossIncreases, channelWeights, deltaPenalty } from './regularisers/delta-regulariser';
export { crossCorrelation2, Disentangler, medianDistance, mmd2, trainDisentangler } from './regularisers/tred-disentangler';
export { relevantDistance } from './regularisers/tred-regulariser';
export { featureDistance } from './regularisers/kd-regulariser';
