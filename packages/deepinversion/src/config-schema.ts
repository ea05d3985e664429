import { defineExperimentSchema, TrainSchema } from '@kt/core';
import { ImageDataSchema, ModelSpecSchema } from '@kt/vision';
import { z } from 'zod';

/** Weights of the DeepInversion / ADI loss terms (Yin et al. 2020, eq. 3–8); 0 switches a term off. */
export const SynthesisLossSchema = z.strictObject({
  /** Cross-entropy of the teacher's logits on the target classes. */
  ce: z.number().nonnegative().default(1),
  /** α_f: the BatchNorm feature-statistics term Σ_l ‖μ_l(x̂) − μ_l‖₂ + ‖σ²_l(x̂) − σ²_l‖₂ (needs a teacher with BatchNorm). */
  feature: z.number().nonnegative().default(1),
  /** Factor of the first BN layer's term (the original code's first_bn_multiplier). */
  firstLayerWeight: z.number().nonnegative().default(10),
  /** α_tv with the L1 variant of total variation (mean absolute difference of neighbouring pixels). */
  tvL1: z.number().nonnegative().default(0),
  /** α_tv with the L2 variant (sum of the Frobenius norms of the neighbour differences, as the original). */
  tvL2: z.number().nonnegative().default(1e-4),
  /** α_l2: ‖x̂‖₂ of the batch. */
  l2: z.number().nonnegative().default(1e-5),
  /** α_c: Adaptive DeepInversion's competition term 1 − JSD(p_T, p_S) (0: plain DeepInversion). */
  competition: z.number().nonnegative().default(0),
  /** Softmax temperature of the competition term. */
  temperature: z.number().positive().default(3),
});
export type SynthesisLossConfig = z.infer<typeof SynthesisLossSchema>;

/** How images are synthesised: Adam on the pixels, with random jitter and flips every iteration. */
export const SynthesisSchema = z.strictObject({
  /** Images optimised together (their BN statistics are matched as one batch). */
  batchSize: z.int().positive().default(100),
  /** Adam iterations per batch. */
  iterations: z.int().positive().default(200),
  lr: z.number().positive().default(0.1),
  /** Adam's β1 and β2 (the original uses 0.5, 0.9 for synthesis). */
  beta1: z.number().gt(0).lt(1).default(0.5),
  beta2: z.number().gt(0).lt(1).default(0.9),
  /** Random roll of up to ± this many pixels on both axes each iteration (0: none). */
  jitter: z.int().nonnegative().default(2),
  flip: z.boolean().default(true),
  /** Optimise at half resolution for this many of the iterations first, then upsample (0: off). */
  warmupIterations: z.int().nonnegative().default(0),
  /** Keep pixels in [0, 1] (the range the image loaders produce). */
  clip: z.boolean().default(true),
  loss: SynthesisLossSchema.default(() => SynthesisLossSchema.parse({})),
});
export type SynthesisConfig = z.infer<typeof SynthesisSchema>;

/** A network trained from labels as a run of its own (task `train`), cached by core's teacher provisioning. */
const SupervisedModelSchema = z.strictObject({
  model: ModelSpecSchema,
  /** A deepinversion or classify `train` run directory to load instead of training. */
  checkpoint: z.string().optional(),
  train: TrainSchema.default(() => TrainSchema.parse({ epochs: 3, batchSize: 128 })),
  seed: z.int().nonnegative().default(0),
});

/** Data-free distillation: every round synthesises `imagesPerRound` images into the pool, then trains the student `stepsPerRound` steps on the pool. */
export const RoundsSchema = z.strictObject({
  count: z.int().positive().default(3),
  /** Images synthesised per round (spread evenly over the classes). */
  imagesPerRound: z.int().positive().default(200),
  stepsPerRound: z.int().positive().default(200),
  /** Source of the student's training images: synthesised (DeepInversion/ADI), real training images, or uniform noise (baselines). */
  source: z.enum(['synthesized', 'real', 'noise']).default('synthesized'),
});
export type RoundsConfig = z.infer<typeof RoundsSchema>;

export const DEEPINVERSION_TASKS = ['distill', 'train'] as const;
export type DeepInversionTaskName = (typeof DEEPINVERSION_TASKS)[number];

export const DeepInversionConfigSchema = defineExperimentSchema('deepinversion', DEEPINVERSION_TASKS, {
  /** Real data: trains the teacher and the verifier, and scores the student (never seen by the student when source is synthesized). */
  data: ImageDataSchema.default({ source: 'mnist' }),
  teacher: SupervisedModelSchema.default(() => SupervisedModelSchema.parse({ model: { kind: 'resnet' } })),
  /** An independently trained network that scores the synthesised images (not the teacher). */
  verifier: SupervisedModelSchema.default(() => SupervisedModelSchema.parse({ model: { kind: 'vgg', channels: [16, 32], convsPerBlock: 1 }, seed: 1 })),
  /** The student (task distill) or the network trained from labels (task train). */
  learner: z.strictObject({ model: ModelSpecSchema }).default({ model: { kind: 'vgg', channels: [8, 16], convsPerBlock: 1, batchNorm: true, dense: 0, bnMomentum: 0.1 } }),
  synthesis: SynthesisSchema.default(() => SynthesisSchema.parse({})),
  rounds: RoundsSchema.default(() => RoundsSchema.parse({})),
  /** Seed of the synthesis (initial pixels, jitter, flips). */
  synthesisSeed: z.int().nonnegative().default(0),
});
export type DeepInversionConfig = z.infer<typeof DeepInversionConfigSchema>;
