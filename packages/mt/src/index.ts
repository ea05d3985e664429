import * as path from 'path';
import type { KtPlugin } from '@kt/core';
import { MtConfigSchema } from './config-schema';
import { mtModule } from './mt-module';

export * from './config-schema';
export * from './data';
export * from './tokenizer';
export * from './metrics';
export * from './models';
export { mtModule } from './mt-module';
export { mtTrainTask, mtWordKdTask, mtSeqKdTask, mtReinforceTask, MT_TASK_LIST } from './tasks/mt-tasks';
export { prepareMtData, loadMtCorpus, obtainTokenizer, limitSplit, trainingDataConfig, MODEL_POSITIONS, type MtData, type MtCorpus, type EncodedSplit } from './tasks/mt-data';
export {
  loadMtRun,
  readModelFiles,
  writeModelFiles,
  runWeights,
  loadTransformer,
  MtModelManifestSchema,
  type MtModelManifest,
  type LoadedRun,
  type CheckpointChoice,
} from './tasks/mt-model-files';
export {
  initLearnerWeights,
  learnerInitIssues,
  resolveLearnerInit,
  architectureDifferences,
  ARCHITECTURE_FIELDS,
  type LearnerInitSource,
} from './tasks/learner-init';
export { obtainTeacher, teacherRunConfig, loadTeacherRun, transformerConfig, type LoadedTeacher } from './tasks/mt-teacher';
export { translateIds, scoreTranslations, referenceNll, translationProgress, type DecodeSettings, type TranslationProgress, type TranslationScores } from './tasks/translate-sentences';
export { StepBatches, StepTimer } from './tasks/step-batches';
export { mtScore, mtScoreContribution, mtCommandGroup, MtScoreOptionsSchema, type MtScoreOptions } from './cli/score-command';
export {
  translateRun,
  mtTranslateContribution,
  MtTranslateOptionsSchema,
  type MtTranslateOptions,
  type TranslateRunResult,
} from './cli/translate-command';

/** Machine-translation distillation: word- and sequence-level KD, forward and backward KL, BLEU/chrF. */
export const mtPlugin: KtPlugin = {
  name: 'mt',
  version: '0.1.0',
  description: 'machine-translation KD: word-level (forward/backward/JSD, on-policy λ), sequence-level (Kim & Rush), REINFORCE backward KL',
  configSchema: MtConfigSchema,
  module: mtModule,
  configsDir: path.join(__dirname, '..', 'configs'),
};
