import * as path from 'path';
import type { KtPlugin } from '@kt/core';
import { DeepInversionConfigSchema } from './config-schema';
import { deepInversionModule } from './deepinversion-module';

export * from './config-schema';
export { bnFeatureLoss } from './losses/bn-feature-loss';
export { l2Prior, totalVariationL1, totalVariationL2 } from './losses/image-priors';
export { competitionLoss } from './losses/competition-loss';
export { deepInversionLoss, SYNTHESIS_TERM_NAMES, type SynthesisTerms } from './losses/deep-inversion-loss';
export {
  balancedLabels,
  scoreImages,
  SynthesisDivergedError,
  synthesizeBatch,
  synthesizeSet,
  type SynthesizeBatchOptions,
  type SynthesizedBatch,
  type SynthesizedSet,
  type TermValues,
} from './synthesis/synthesize';
export { synthesizeFromRun, SynthesizeOptionsSchema, type SynthesizeOptions, type SynthesizeResult } from './cli/synthesize-command';
export { deepInversionDistillTask, ROUND_GRID, type RoundRecord } from './tasks/distill-task';
export { deepInversionReportContribution, DI_REPORT_GRIDS } from './report/deepinversion-report-contribution';
export { deepInversionTrainTask } from './tasks/train-task';
export { DEEPINVERSION_TASK_LIST } from './tasks/deepinversion-tasks';
export { deepInversionModule } from './deepinversion-module';

/** DeepInversion and Adaptive DeepInversion: images synthesised from a teacher's BatchNorm statistics, and data-free distillation on them. */
export const deepinversionPlugin: KtPlugin = {
  name: 'deepinversion',
  version: '0.1.0',
  description: 'DeepInversion / ADI: synthesise images from a BN teacher, distil a student on them without data',
  configSchema: DeepInversionConfigSchema,
  module: deepInversionModule,
  configsDir: path.join(__dirname, '..', 'configs'),
};
