import * as path from 'path';
import type { KtPlugin } from '@kt/core';
import { KgConfigSchema } from './config-schema';
import { kgModule } from './kg-module';

export * from './config-schema';
export * from './data';
export * from './models';
export * from './losses';
export * from './sampling';
export * from './eval';
export * from './ensemble';
export { kgKdTask, kgKensTask, kgTrainTask, KG_TASK_BY_NAME, KG_TASK_LIST } from './tasks/kg-tasks';
export { KG_METRICS, loadGraph, graphHash, describeChecks, type GraphArtifact } from './tasks/kg-kit';
export { KENS_METRICS } from './tasks/kens-task';
export { kensTeacherConfig, teacherLogits } from './tasks/kd-task';
export { batchLoss, SAMPLED_LOSSES, ONE_TO_N_LOSSES } from './tasks/kg-loss';
export { predictRun, formatPredictions, KgPredictOptionsSchema, type Prediction, type PredictResult } from './cli/predict-command';
export { kgReportContribution, KG_REPORT_RELATIONS } from './report/kg-report-contribution';
export { kgModule } from './kg-module';

/** Knowledge-graph completion and multilingual transfer (KEnS) as a kt plugin. */
export const kgPlugin: KtPlugin = {
  name: 'kg',
  version: '0.1.0',
  description: 'KG completion: TransE, RotatE, DistMult, ComplEx, filtered ranking; multilingual ensembles (KEnS) and KD over candidate entities',
  configSchema: KgConfigSchema,
  module: kgModule,
  configsDir: path.join(__dirname, '..', 'configs'),
};
