import { z } from 'zod';
import {
  DEFAULT_JSD_BETA,
  DEFAULT_SKEW,
  DIVERGENCE_NAMES,
  isDivergenceName,
  SKEW_ONE_REASON,
  type DivergenceName,
} from '../divergence';

/** Fields of `transfer` shared by every divergence. */
const transferCommon = {
  /** Softmax temperature τ; the divergence is scaled by τ². */
  temperature: z.number().positive().default(1),
  /** Weight of the task (ground-truth) loss; the divergence gets 1 − alpha. */
  alpha: z.number().min(0).max(1).default(0),
  /** Fraction of batches sampled on-policy from the learner (GKD λ). */
  lambda: z.number().min(0).max(1).default(0),
};

/** Divergences without a parameter of their own. */
export const PLAIN_DIVERGENCES = ['forward', 'backward', 'tvd'] as const satisfies readonly DivergenceName[];
/** Divergences that take `skew`. */
export const SKEW_DIVERGENCES = ['skew-forward', 'skew-backward'] as const satisfies readonly DivergenceName[];

/**
 * The divergence's own parameters: which `transfer` field belongs to which divergences. A field given
 * with another divergence is a config error at `transfer.<field>` (it would be silently ignored).
 */
const DIVERGENCE_PARAMETERS: Readonly<Record<string, readonly DivergenceName[]>> = {
  beta: ['jsd'],
  skew: SKEW_DIVERGENCES,
};

const DEFAULT_DIVERGENCE: DivergenceName = 'forward';

const PlainTransferSchema = z.strictObject({
  /** forward = KL(teacher‖learner), backward = KL(learner‖teacher), tvd = total variation. */
  divergence: z.enum(PLAIN_DIVERGENCES),
  ...transferCommon,
});

const JsdTransferSchema = z.strictObject({
  /** Generalised Jensen–Shannon divergence. */
  divergence: z.literal('jsd'),
  /** β of the generalised JSD (0 = forward KL, 1 = backward KL). */
  beta: z.number().min(0).max(1).default(DEFAULT_JSD_BETA),
  ...transferCommon,
});

const SkewTransferSchema = z.strictObject({
  /** skew-forward = KL(p_t ‖ s·p_t + (1−s)·p_l), skew-backward = KL(p_l ‖ s·p_l + (1−s)·p_t). */
  divergence: z.enum(SKEW_DIVERGENCES),
  /** Mixing weight s ∈ [0, 1) of the skew KL divergences (0 = plain forward/backward KL). */
  skew: z.number().min(0).lt(1, { error: `skew must be < 1: ${SKEW_ONE_REASON}` }).default(DEFAULT_SKEW),
  ...transferCommon,
});

/**
 * Fills the default divergence and reports, before the union below parses, a divergence name that is
 * not registered (listing the known ones) and a parameter that belongs to another divergence.
 */
function checkTransferInput(input: unknown, ctx: z.core.$RefinementCtx): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const raw = input as Record<string, unknown>;
  const divergence = raw['divergence'] ?? DEFAULT_DIVERGENCE;
  if (typeof divergence !== 'string' || !isDivergenceName(divergence)) {
    ctx.addIssue({ code: 'invalid_value', values: [...DIVERGENCE_NAMES], input: divergence, path: ['divergence'] });
    return input;
  }
  for (const [field, owners] of Object.entries(DIVERGENCE_PARAMETERS)) {
    if (field in raw && !owners.includes(divergence)) {
      ctx.addIssue({
        code: 'custom',
        input: raw[field],
        path: [field],
        message:
          `${field} is a parameter of divergence ${owners.join(' / ')}, not of '${divergence}': ` +
          `remove it or set transfer.divergence to ${owners.join(' or ')}`,
      });
    }
  }
  return { ...raw, divergence };
}

/**
 * How knowledge moves: which divergence, at what temperature, mixed how with the task loss. A
 * discriminated union on `divergence`: `beta` exists only with `jsd`, `skew` only with the skew
 * divergences. Defaults: divergence forward, temperature 1, alpha 0, lambda 0 (jsd: beta 0.5; skew: 0.1).
 */
export const TransferSchema = z.preprocess(
  checkTransferInput,
  z.discriminatedUnion('divergence', [PlainTransferSchema, JsdTransferSchema, SkewTransferSchema]),
);
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
    /**
     * Also evaluate on the validation split before the first step (as HF Trainer's eval_on_start), so a
     * warm-started learner's starting weights are a candidate for early stopping's best checkpoint: a run
     * that only loses ground returns its start. Optional (absent = false) so older configs keep their hash.
     */
    evalAtStart: z.boolean().optional(),
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

/** How the teacher's weights change during a run (MetaDistil, Zhou et al., ACL 2022). */
export const TEACHER_UPDATE_STRATEGIES = ['fixed', 'metadistil', 'metadistil-first-order'] as const;
export type TeacherUpdateStrategy = (typeof TEACHER_UPDATE_STRATEGIES)[number];

/** The teacher does not learn from the learner (standard KD): the default. */
const FixedTeacherUpdateSchema = z.strictObject({ strategy: z.literal('fixed') });

/**
 * The teacher learns to teach: every `every` steps it follows the gradient of the learner's quiz loss
 * after one pilot SGD step θ' = θ − η∇θ L_kd(θ, φ) (`metadistil`: exact second order through that step;
 * `metadistil-first-order`: the mixed Hessian-vector product by a central finite difference of
 * first-order teacher gradients, DARTS-style), then the learner takes its real step with the updated
 * teacher (the pilot update).
 */
const MetaTeacherUpdateSchema = z.strictObject({
  strategy: z.enum(['metadistil', 'metadistil-first-order']),
  /** The teacher's own optimizer and (constant) learning rate. */
  optimizer: z.enum(OPTIMIZERS).default('adam'),
  lr: z.number().positive().default(1e-4),
  /** Update the teacher at every N-th step (1 = every step). */
  every: z.int().positive().default(1),
  /** η of the pilot SGD step; default: the learner's learning rate at that step. */
  pilotLr: z.number().positive().optional(),
  /** Fraction of the training data the task holds out as the quiz split (never the test split). */
  quizFraction: z.number().gt(0).max(0.5).default(0.1),
});

/** `teacherUpdate`: a discriminated union on `strategy`; absent means `fixed`. */
export const TeacherUpdateSchema = z.discriminatedUnion('strategy', [FixedTeacherUpdateSchema, MetaTeacherUpdateSchema]);
export type TeacherUpdateConfig = z.infer<typeof TeacherUpdateSchema>;
export type MetaTeacherUpdateConfig = z.infer<typeof MetaTeacherUpdateSchema>;

/** The meta settings of a config, or undefined for a fixed teacher (no `teacherUpdate`, or strategy fixed). */
export function metaTeacherUpdate(config: { teacherUpdate?: TeacherUpdateConfig }): MetaTeacherUpdateConfig | undefined {
  const tu = config.teacherUpdate;
  return tu && tu.strategy !== 'fixed' ? tu : undefined;
}

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
  /** How the teacher learns during the run; absent = fixed (kept out of the defaults so config hashes of KD runs do not change). */
  teacherUpdate: TeacherUpdateSchema.optional(),
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
