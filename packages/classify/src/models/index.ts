export { VariableClassifier } from './classifier-model';
export type { ClassifierModel } from './classifier-model';
export { createMlp } from './create-mlp';
export type { MlpOptions } from './create-mlp';
export { createCnn } from './create-cnn';
export type { CnnOptions } from './create-cnn';
export { glorotUniform, heNormal, weightStream } from './initializers';
export { buildModel, CnnSpecSchema, MlpSpecSchema, ModelSpecSchema } from './model-spec';
export type { BuildModelOptions, ModelSpec, ModelSpecInput } from './model-spec';

/**
 * Version of the classifier models' math: part of every teacher's cache key, so a teacher trained by older
 * model code is retrained rather than reused. Bump it whenever a change alters a model's outputs.
 */
export const CLASSIFY_MODEL_VERSION = 'classify-models/1';
