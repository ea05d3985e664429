export { VariableClassifier } from './classifier-model';
export type { ClassifierModel } from './classifier-model';
export { createMlp } from './create-mlp';
export type { MlpOptions } from './create-mlp';
export { createCnn } from './create-cnn';
export type { CnnOptions } from './create-cnn';
export { glorotUniform, heNormal, weightStream } from './initializers';
export { buildModel, CnnSpecSchema, MlpSpecSchema, ModelSpecSchema } from './model-spec';
export type { BuildModelOptions, ModelSpec, ModelSpecInput } from './model-spec';
