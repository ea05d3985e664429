import { z } from 'zod';
import { defineExperimentSchema, TrainSchema } from '@kt/core';

/** The value of `plugin:` in this plugin's configs. */
export const SYNTHESIS_PLUGIN = 'synthesis';
/** The values of `task:` this plugin accepts; each has one module in `tasks/` (see SYNTHESIS_TASK_BY_NAME). */
export const SYNTHESIS_TASKS = ['train', 'kd'] as const;
export type SynthesisTaskName = (typeof SYNTHESIS_TASKS)[number];

/** The synthetic source: Gaussian features, labels sampled from softmax(x·W) for a seeded random W. */
export const SynthesisDataSchema = z.strictObject({
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
export type SynthesisDataConfig = z.infer<typeof SynthesisDataSchema>;

const TEACHER_TRAIN_DEFAULTS = { steps: 300, batchSize: 64, lr: 0.05 };

/** The teacher of task `kd`: trained by task `train` with these settings (cached by core), or loaded from a run. */
export const SynthesisTeacherSchema = z.strictObject({
  /** Use a finished `synthesis` `train` run directory as the teacher instead of provisioning one. */
  checkpoint: z.string().min(1).optional(),
  /** The teacher's own training (`train.seed` seeds its initialisation and batch order). */
  train: TrainSchema.default(() => TrainSchema.parse(TEACHER_TRAIN_DEFAULTS)),
});

/** The full experiment schema: kt's base fields plus `data` and `teacher`. Unknown keys are errors. */
export const SynthesisConfigSchema = defineExperimentSchema(SYNTHESIS_PLUGIN, SYNTHESIS_TASKS, {
  data: SynthesisDataSchema.default(() => SynthesisDataSchema.parse({})),
  teacher: SynthesisTeacherSchema.default(() => SynthesisTeacherSchema.parse({})),
});
export type SynthesisConfig = z.infer<typeof SynthesisConfigSchema>;
