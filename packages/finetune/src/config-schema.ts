import { z } from 'zod';
import { defineExperimentSchema, TrainSchema } from '@kt/core';
import { ImageDataSchema } from '@kt/vision';
import { RegulariserSchema } from './regularisers/regulariser-schema';

/** The value of `plugin:` in this plugin's configs. */
export const FINETUNE_PLUGIN = 'finetune';
/**
 * The values of `task:` this plugin accepts; each has one module in `tasks/` (see FINETUNE_TASK_BY_NAME).
 * `pretrain` trains the source model (core provisions it as a run of its own); `finetune` trains on the target task.
 */
export const FINETUNE_TASKS = ['pretrain', 'finetune'] as const;
export type FinetuneTaskName = (typeof FINETUNE_TASKS)[number];

const ClassListSchema = z.array(z.int().nonnegative()).min(2).refine((c) => new Set(c).size === c.length, { message: 'classes must be distinct' });

/** The source task: an image source of @kt/vision and the classes kept (relabelled 0..k−1 in list order). */
export const SourceDataSchema = z.strictObject({
  images: ImageDataSchema,
  /** Classes of the source task (default: every class of the images). */
  classes: ClassListSchema.optional(),
});
export type SourceDataConfig = z.infer<typeof SourceDataSchema>;

/**
 * The target task: its classes (relabelled 0..k−1 in list order), how many labelled training examples per class
 * (`all`: every one left after the validation split), and the validation split carved per class from the
 * target's training images (disjoint from the labelled examples). Test: the images' test split of those classes.
 */
export const TargetDataSchema = z.strictObject({
  images: ImageDataSchema,
  classes: ClassListSchema.optional(),
  labelsPerClass: z.union([z.int().positive(), z.literal('all')]).default(10),
  valPerClass: z.int().positive().default(50),
  /** Keep the first N test images of each class (default all). */
  testPerClass: z.int().positive().optional(),
  /** Seeds which training images become the validation split and which are labelled. */
  sampleSeed: z.int().nonnegative().default(0),
});
export type TargetDataConfig = z.infer<typeof TargetDataSchema>;

const DEFAULT_IMAGES = { source: 'mnist' as const };

export const FinetuneDataSchema = z.strictObject({
  source: SourceDataSchema.default(() => SourceDataSchema.parse({ images: DEFAULT_IMAGES, classes: [0, 1, 2, 3, 4] })),
  target: TargetDataSchema.default(() => TargetDataSchema.parse({ images: DEFAULT_IMAGES, classes: [5, 6, 7, 8, 9] })),
});
export type FinetuneDataConfig = z.infer<typeof FinetuneDataSchema>;

/**
 * The network (source and target share it): conv 3×3 + ReLU blocks (layers `conv1`, `conv2`, …; each followed by
 * 2×2 max-pooling), a dense ReLU layer `fc` (the features BSS and TRED use), and a linear `head`.
 * `head: new` fine-tunes with a fresh head for the target classes; `keep` starts from the pre-trained head
 * (its class count must equal the target's).
 */
export const FinetuneModelSchema = z.strictObject({
  channels: z.array(z.int().positive()).min(1).default([8, 16]),
  dense: z.int().positive().default(64),
  head: z.enum(['new', 'keep']).default('new'),
});
export type FinetuneModelConfig = z.infer<typeof FinetuneModelSchema>;

const PRETRAIN_DEFAULTS = { steps: 600, batchSize: 64, lr: 0.002, evalEvery: 200, logEvery: 100 };

/** The source model: trained by task `pretrain` with these settings (provisioned and cached by core), or a finished `pretrain` run. */
export const PretrainSchema = z.strictObject({
  /** A finished `finetune` `pretrain` run directory to start from instead of provisioning one. */
  checkpoint: z.string().min(1).optional(),
  train: TrainSchema.default(() => TrainSchema.parse(PRETRAIN_DEFAULTS)),
});

/** The full experiment schema: kt's base fields plus `data`, `model`, `pretrain`, `init` and `regularisers`. Unknown keys are errors. */
export const FinetuneConfigSchema = defineExperimentSchema(FINETUNE_PLUGIN, FINETUNE_TASKS, {
  data: FinetuneDataSchema.default(() => FinetuneDataSchema.parse({})),
  model: FinetuneModelSchema.default(() => FinetuneModelSchema.parse({})),
  pretrain: PretrainSchema.default(() => PretrainSchema.parse({})),
  /** `pretrained`: fine-tune from the source model; `scratch`: the same network from a random init (the no-transfer reference). */
  init: z.enum(['pretrained', 'scratch']).default('pretrained'),
  /** Penalties added to the target cross-entropy, each times its `weight` (weighted sum). */
  regularisers: z.array(RegulariserSchema).default(() => [RegulariserSchema.parse({ name: 'none' })]),
});
export type FinetuneConfig = z.infer<typeof FinetuneConfigSchema>;
