import { z } from 'zod';
import { defineExperimentSchema, TrainSchema } from '@kt/core';

/** The value of `plugin:` in this plugin's configs. */
export const FINETUNE_PLUGIN = 'finetune';
/** The values of `task:` this plugin accepts; each has one module in `tasks/` (see FINETUNE_TASK_BY_NAME). */
export const FINETUNE_TASKS = ['train', 'kd'] as const;
export type FinetuneTaskName = (typeof FINETUNE_TASKS)[number];

/** The synthetic source: Gaussian features, labels sampled from softmax(x·W) for a seeded random W. */
export const FinetuneDataSchema = z.strictObject({
  /** Seeds the features, the source's weights and the sampled labels (model initialisation uses `train.seed`). */
  seed: z.int().nonnegative().default(0),
  features: z.int().positive().default(8),
  classes: z.int().min(2).default(4),
  trainSize: z.int().positive().default(512),
  valSize: z.int().positive().default(128),
  testSize: z.int().positive().default(128),
  /** Standard deviation of the source's weights: larger means less label noise. */
  sourceScale: z.number().positive().default(1.5),
});
export type FinetuneDataConfig = z.infer<typeof FinetuneDataSchema>;

const TEACHER_TRAIN_DEFAULTS = { steps: 300, batchSize: 64, lr: 0.05 };

/** The teacher of task `kd`: trained by task `train` with these settings (cached by core), or loaded from a run. */
export const FinetuneTeacherSchema = z.strictObject({
  /** Use a finished `finetune` `train` run directory as the teacher instead of provisioning one. */
  checkpoint: z.string().min(1).optional(),
  /** The teacher's own training (`train.seed` seeds its initialisation and batch order). */
  train: TrainSchema.default(() => TrainSchema.parse(TEACHER_TRAIN_DEFAULTS)),
});

/** The full experiment schema: kt's base fields plus `data` and `teacher`. Unknown keys are errors. */
export const FinetuneConfigSchema = defineExperimentSchema(FINETUNE_PLUGIN, FINETUNE_TASKS, {
  data: FinetuneDataSchema.default(() => FinetuneDataSchema.parse({})),
  teacher: FinetuneTeacherSchema.default(() => FinetuneTeacherSchema.parse({})),
});
export type FinetuneConfig = z.infer<typeof FinetuneConfigSchema>;
