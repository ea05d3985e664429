import { defineExperimentSchema, TrainSchema } from '@kt/core';
import { z } from 'zod';
import { ModelSpecSchema } from '@kt/vision';

const MnistDataSchema = z.strictObject({
  source: z.literal('mnist'),
  /** Use only the first N images of each digit (before the 70/10/20 split); default all 10,000. */
  perDigit: z.int().positive().optional(),
});

const IdxDataSchema = z.strictObject({
  source: z.literal('idx'),
  /** An MNIST-layout IDX folder (train-/t10k-{images-idx3,labels-idx1}-ubyte[.gz]), e.g. ../shared/data/fashion-mnist. */
  dir: z.string().min(1),
  /** Keep the first N images of the train file (default all 60,000). */
  trainLimit: z.int().positive().optional(),
  /** Keep the first N images of the test file (default all 10,000). */
  testLimit: z.int().positive().optional(),
  /** The last N kept training images form the val split (default 1/12 of them). */
  valCount: z.int().positive().optional(),
});

const CsvDataSchema = z.strictObject({
  source: z.literal('csv'),
  /** CSV or CSV.gz of numeric features and an integer label per row. */
  path: z.string().min(1),
  labelColumn: z.union([z.enum(['last', 'first']), z.int()]).default('last'),
  hasHeader: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /** Multiply every feature by this (e.g. 0.0625 for 0–16 pixels). */
  scale: z.number().positive().default(1),
  /** Per-example shape, e.g. [8, 8, 1] for a CNN; default flat. */
  shape: z.array(z.int().positive()).optional(),
  valFraction: z.number().gt(0).lt(1).default(0.1),
  testFraction: z.number().gt(0).lt(1).default(0.2),
  splitSeed: z.int().nonnegative().default(0),
});

export const ClassifyDataSchema = z.discriminatedUnion('source', [MnistDataSchema, IdxDataSchema, CsvDataSchema]);
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
