import type * as tf from '@tensorflow/tfjs';
import type { Metrics } from './metric';
import type { Learner, Teacher } from './model';
import type { TransferObjective } from './objective';
import type { Rng } from '../runtime/rng';
import type { Logger } from '../runtime/logger';
import type { BaseExperimentConfig } from '../config/experiment-schema';

/** What a task gets when a run starts. */
export interface TaskContext<C extends BaseExperimentConfig = BaseExperimentConfig> {
  /** The validated experiment config (the plugin's own schema). */
  readonly config: C;
  /** The transfer objective built from `config.transfer`. */
  readonly objective: TransferObjective;
  /** Seeded generator for set-up work (initialisation, splits); the trainer owns per-step randomness. */
  readonly rng: Rng;
  readonly log: Logger;
  /** Directory of this run: `artifacts/` for outputs (reusable work goes to `cacheDir`). */
  readonly runDir: string;
  /** A cache shared across runs (e.g. trained teachers): `<output dir>/.cache`; tasks key their entries. */
  readonly cacheDir: string;
  /** Name of the tfjs backend in use. */
  readonly backend: string;
}

/** Per-step inputs the trainer hands to a task. */
export interface StepContext {
  /** Global step, 0-based. */
  readonly step: number;
  readonly epoch: number;
  /** Seeded for this step only, so a resumed run draws the same numbers. */
  readonly rng: Rng;
  /** Record a scalar for this step's log line (e.g. the KD and task parts of the loss). */
  report(name: string, value: number): void;
}

/**
 * A prepared experiment: models, data and the loss of one step. The trainer owns the loop,
 * optimizer, checkpoints and callbacks; the task owns everything task-specific.
 */
export interface TaskRun {
  readonly learner: Learner;
  readonly teacher?: Teacher;
  /** Steps in one pass over the training data. */
  readonly stepsPerEpoch: number;
  /**
   * Async work before a step that cannot run inside the differentiated loss (e.g. decoding
   * on-policy samples, generating teacher outputs). Its result is passed to `loss`.
   */
  prepareStep?(ctx: StepContext): Promise<unknown>;
  /**
   * The scalar to minimise at this step, a pure function of (learner weights, ctx, prepared).
   * Called inside the optimizer's gradient tape: no async work, no side effects on weights.
   */
  loss(ctx: StepContext, prepared: unknown): tf.Scalar;
  /** Scores on a split; the trainer logs them and drives early stopping with them. */
  evaluate(split: 'val' | 'test'): Promise<Metrics>;
  /** For a trainable teacher: a loss on the teacher's variables from the learner's feedback. */
  teacherLoss?(ctx: StepContext, prepared: unknown): tf.Scalar;
  /** Writes outputs (translations, tables, images) into `dir` at the end of the run. */
  writeArtifacts?(dir: string): Promise<void>;
  /** Releases every tensor the run holds. */
  dispose(): void;
}

/** A named experiment recipe a plugin contributes, e.g. `classify.kd` or `mt.word-kd`. */
export const Task = Symbol('Task');
export interface Task {
  /** The plugin that contributes it (matches `config.plugin`). */
  readonly plugin: string;
  /** Matches `config.task`. */
  readonly name: string;
  readonly description: string;
  /** Builds models and data from the config. May train a teacher first (cached under ctx.cacheDir). */
  create(ctx: TaskContext): Promise<TaskRun>;
}
