import { z } from 'zod';
import { DIVERGENCE_NAMES } from '../divergence';

/** How knowledge moves: which divergence, at what temperature, mixed how with the task loss. */
export const TransferSchema = z
  .strictObject({
    /** forward = KL(teacher‖learner), backward = KL(learner‖teacher), jsd, tvd, skew-forward, skew-backward. */
    divergence: z.enum(DIVERGENCE_NAMES).default('forward'),
    /** Softmax temperature τ; the divergence is scaled by τ². */
    temperature: z.number().positive().default(1),
    /** β of the generalised JSD (0 = forward KL, 1 = backward KL). */
    beta: z.number().min(0).max(1).default(0.5),
    /** Mixing weight s of the skew KL divergences. */
    skew: z.number().min(0).max(1).default(0.1),
    /** Weight of the task (ground-truth) loss; the divergence gets 1 − alpha. */
    alpha: z.number().min(0).max(1).default(0),
    /** Fraction of batches sampled on-policy from the learner (GKD λ). */
    lambda: z.number().min(0).max(1).default(0),
  });
export type TransferConfig = z.infer<typeof TransferSchema>;

export const OPTIMIZERS = ['adam', 'sgd', 'momentum', 'rmsprop'] as const;
export const SCHEDULES = ['constant', 'linear', 'cosine', 'inverse-sqrt'] as const;

export const TrainSchema = z
  .strictObject({
    /** Total optimizer steps; give either steps or epochs (default: 1 epoch). */
    steps: z.int().positive().optional(),
    epochs: z.number().positive().optional(),
    batchSize: z.int().positive().default(64),
    optimizer: z.enum(OPTIMIZERS).default('adam'),
    lr: z.number().positive().default(1e-3),
    schedule: z.enum(SCHEDULES).default('constant'),
    warmupSteps: z.int().nonnegative().default(0),
    /** Clip gradients to this global norm. */
    gradClip: z.number().positive().optional(),
    /** Evaluate on the validation split every N steps (and at the end). */
    evalEvery: z.int().positive().optional(),
    /** Write a checkpoint every N steps (and at the end, and on SIGINT/SIGTERM). */
    checkpointEvery: z.int().positive().optional(),
    earlyStopping: z
      .strictObject({
        metric: z.string().min(1),
        patience: z.int().positive(),
        mode: z.enum(['max', 'min']).default('max'),
      })
      .optional(),
    seed: z.int().nonnegative().default(0),
    logEvery: z.int().positive().default(10),
  })
  .refine((t) => !(t.steps !== undefined && t.epochs !== undefined), {
    message: 'give train.steps or train.epochs, not both',
    path: ['steps'],
  })
  .refine((t) => t.earlyStopping === undefined || t.evalEvery !== undefined, {
    message: 'early stopping watches a validation metric: set train.evalEvery too',
    path: ['earlyStopping'],
  });
export type TrainConfig = z.infer<typeof TrainSchema>;

export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

/** Fields every experiment has; a plugin extends it with `defineExperimentSchema`. */
export const baseExperimentShape = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" or "-"')
    .default('run'),
  description: z.string().optional(),
  plugin: z.string().min(1),
  task: z.string().min(1),
  /** Extra npm packages that provide plugins (third-party task families). */
  plugins: z.array(z.string().min(1)).default([]),
  backend: z.enum(BACKEND_NAMES).default('auto'),
  transfer: TransferSchema.default(() => TransferSchema.parse({})),
  train: TrainSchema.default(() => TrainSchema.parse({})),
  output: z.strictObject({ dir: z.string().min(1).default('runs') }).default({ dir: 'runs' }),
};

export const BaseExperimentSchema = z.object(baseExperimentShape);
export type BaseExperimentConfig = z.infer<typeof BaseExperimentSchema>;

/**
 * The experiment schema of one plugin: the base fields, `plugin` fixed to the plugin's name,
 * `task` limited to its tasks, and the plugin's own fields. Unknown keys are errors.
 */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the inferred zod type is the point
export function defineExperimentSchema<
  P extends string,
  const T extends readonly [string, ...string[]],
  S extends z.ZodRawShape,
>(plugin: P, tasks: T, shape: S) {
  return z.strictObject({
    ...baseExperimentShape,
    plugin: z.literal(plugin),
    task: z.enum(tasks),
    ...shape,
  });
}
