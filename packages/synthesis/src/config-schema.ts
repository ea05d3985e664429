import { z } from 'zod';
import { defineExperimentSchema } from '@kt/core';
import { PRIMITIVE_SETS, type PrimitiveSetName } from './lang/primitives';
import { WAKE_SLEEP_CONDITIONS } from './wake-sleep/wake-sleep';

/** The value of `plugin:` in this plugin's configs. */
export const SYNTHESIS_PLUGIN = 'synthesis';
/** The values of `task:` this plugin accepts; each has one module in `tasks/` (see SYNTHESIS_TASK_BY_NAME). */
export const SYNTHESIS_TASKS = ['wake-sleep'] as const;
export type SynthesisTaskName = (typeof SYNTHESIS_TASKS)[number];

const PRIMITIVE_SET_NAMES = Object.keys(PRIMITIVE_SETS) as [PrimitiveSetName, ...PrimitiveSetName[]];

/**
 * The tasks: a built-in suite (`name`, split train/test by family) or task files (`trainFile` and `testFile`, JSON
 * `[{name, description?, type?, examples: [{input | inputs, output}]}]`, paths relative to the working directory).
 */
export const SuiteSchema = z
  .strictObject({
    /** Built-in suite: `list` (list functions, 207 tasks) or `text` (string editing, 181 tasks). */
    name: z.enum(['list', 'text']).optional(),
    /** A task file of train tasks (instead of `name`). */
    trainFile: z.string().min(1).optional(),
    /** A task file of held-out test tasks (with `trainFile`; none: no test tasks). */
    testFile: z.string().min(1).optional(),
    /** The primitives search starts from (default: the built-in suite's; with task files `text` when a type mentions char, else `list`). */
    primitives: z.enum(PRIMITIVE_SET_NAMES).optional(),
    /** Use at most this many train tasks, spread evenly over the suite's order (shrunk runs). */
    maxTrain: z.int().positive().optional(),
    /** Use at most this many test tasks, spread evenly over the suite's order. */
    maxTest: z.int().positive().optional(),
  })
  .refine((s) => (s.name !== undefined) !== (s.trainFile !== undefined), { message: 'give exactly one of suite.name (list or text) and suite.trainFile' })
  .refine((s) => s.testFile === undefined || s.trainFile !== undefined, { message: 'suite.testFile goes with suite.trainFile', path: ['testFile'] });
export type SuiteConfig = z.infer<typeof SuiteSchema>;

/** The per-task search budget of the wake phase and of the test searches. */
export const SearchSchema = z.strictObject({
  /** Expanded choice points per task: the reproducible budget (exact resume needs it). */
  maxNodes: z.int().positive().default(8000),
  /** Wall-clock limit per task, seconds (a safety net; results then depend on the machine). */
  timeoutSeconds: z.number().positive().default(60),
  /** Worker threads for the searches that share one grammar (conditions uniform and fitted); 1 = this thread. */
  workers: z.int().positive().default(1),
});

/**
 * The recognition model (dream sleep). It is the learner of core's trainer: `train.lr`, `train.optimizer` and
 * `train.batchSize` (tasks per step) set its updates, `transfer.divergence` (forward or backward KL, …) the
 * divergence from the search posterior at each choice point, `transfer.alpha` the share of plain NLL.
 */
export const RecognitionSchema = z.strictObject({
  /** Trainer steps per wake–sleep iteration (the run has iterations × stepsPerIteration steps). */
  stepsPerIteration: z.int().positive().default(100),
  /** Programs sampled from the grammar ("dreams") added to the found programs each iteration. */
  dreams: z.int().nonnegative().default(50),
  /** Predict parent-conditioned (bigram) weights too, not only unigram ones. */
  bigram: z.boolean().default(true),
  embedding: z.int().positive().default(32),
  hidden: z.int().positive().default(64),
  /**
   * Mass of the search posterior at a choice point spread over the other open choices (the found choice keeps
   * 1 − smoothing): keeps backward KL finite.
   */
  smoothing: z.number().min(0).lt(1).default(0.05),
});

/** Library learning (abstraction sleep) in conditions dreamcoder, laps-train and laps-test. */
export const LibrarySchema = z.strictObject({
  /** Most new functions per iteration. */
  maxNewPrimitives: z.int().nonnegative().default(3),
  /** Nats charged per node of a new function's body. */
  structurePenalty: z.number().nonnegative().default(1),
  /** Most parameters of a new function. */
  maxArity: z.int().positive().default(3),
  /** Candidates fully scored per round. */
  candidatesPerRound: z.int().positive().default(40),
  /** LAPS: weight of log p(descriptions | programs) in the compression score (0 = programs alone; laps conditions only). */
  languageWeight: z.number().nonnegative().default(1),
});

/** The LAPS word prior (conditions laps-train, laps-test): IBM Model 1 from description words to primitives. */
export const LanguageSchema = z.strictObject({
  /** Share of a uniform distribution mixed into the word prior. */
  uniformMix: z.number().min(0).max(1).default(0.5),
  /** Scales the prior's log-weight offsets (0 turns it off). */
  strength: z.number().nonnegative().default(1),
});

/**
 * The full experiment schema: kt's base fields plus the wake–sleep settings. Unknown keys are errors.
 * `train.seed` seeds the recognition model, its batches and the dreams; `train.steps`/`epochs` are left out
 * (iterations × recognition.stepsPerIteration).
 */
export const SynthesisConfigSchema = defineExperimentSchema(SYNTHESIS_PLUGIN, SYNTHESIS_TASKS, {
  suite: SuiteSchema,
  /** (a) uniform, (b) fitted, (c) recognition, (d) dreamcoder (+ library), (e) laps-train, (f) laps-test. */
  condition: z.enum(WAKE_SLEEP_CONDITIONS).default('dreamcoder'),
  /** Wake–sleep iterations. */
  iterations: z.int().positive().default(3),
  search: SearchSchema.default(() => SearchSchema.parse({})),
  recognition: RecognitionSchema.default(() => RecognitionSchema.parse({})),
  library: LibrarySchema.default(() => LibrarySchema.parse({})),
  language: LanguageSchema.default(() => LanguageSchema.parse({})),
});
export type SynthesisConfig = z.infer<typeof SynthesisConfigSchema>;
