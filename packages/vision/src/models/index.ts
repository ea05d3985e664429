export { VariableClassifier } from './classifier-model';
export type { ClassifierModel, ForwardContext, ForwardWithStats } from './classifier-model';
export { batchNorm, DEFAULT_BN_EPSILON, DEFAULT_BN_MOMENTUM } from './batch-norm';
export type { BatchNormParams, BatchNormStats } from './batch-norm';
export { createResNet } from './create-resnet';
export type { ResNetOptions } from './create-resnet';
export { createVgg } from './create-vgg';
export type { VggOptions } from './create-vgg';
export { createMlp } from './create-mlp';
export type { MlpOptions } from './create-mlp';
export { createCnn } from './create-cnn';
export type { CnnOptions } from './create-cnn';
export { glorotUniform, heNormal, weightStream } from './initializers';
export { buildModel, CnnSpecSchema, MlpSpecSchema, ModelSpecSchema, ResNetSpecSchema, VggSpecSchema } from './model-spec';
export type { BuildModelOptions, ModelSpec, ModelSpecInput } from './model-spec';

/**
 * Version of the image/classifier models' math (classify's and deepinversion's): part of every teacher's cache key, so a teacher trained by older
 * model code is retrained rather than reused. Bump it whenever a change alters a model's outputs.
 */
export const VISION_MODEL_VERSION = 'vision-models/3';
