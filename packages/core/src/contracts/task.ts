import type * as tf from '@tensorflow/tfjs';
import type { Metrics } from './metric';
import type { Learner, Teacher } from './model';
import type { TransferObjective } from './objective';
import type { TeacherProvider } from './teacher-provider';
import type { Rng } from '../runtime/rng';
import type { Logger } from '../runtime/logger';
import type { BaseExperimentConfig } from '../config/experiment-schema';

/** What a task gets when a run starts, typed by the plugin's own config `C`. */
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
  /** Trains a teacher from its config, or reuses the run of an identical earlier one (content-keyed cache). */
  readonly teachers: TeacherProvider;
  /**
   * The stop request (SIGINT/SIGTERM in the CLI), for long work inside the task — evaluation loops,
   * set-up passes — that must not wait for the next step: poll it between pieces of work (awaiting in
   * between, or the signal handler never runs) and throw `RunInterruptedError` when it returns true;
   * the run ends `interrupted` (checkpointed, exit 130/143) and `--resume` redoes the interrupted work.
   */
  readonly shouldStop?: () => boolean;
}

/** Per-step inputs the trainer hands to a task. */
export interface StepContext {
  /** Global step, 0-based (logs and messages show step + 1). */
  readonly step: number;
  readonly epoch: number;
  /** Seeded for this step only, so a resumed run draws the same numbers. */
  readonly rng: Rng;
  /** Record a scalar for this step's log line (e.g. the KD and task parts of the loss). */
  report(name: string, value: number): void;
}

/** What `prepareStep` may hand to `loss`: anything; when it has `dispose()`, the trainer calls it after the update. */
export type Prepared = { dispose?(): void } | undefined;

/**
 * A prepared experiment: models, data and the loss of one step, typed by what `prepareStep` hands to
 * `loss` (`P`). The trainer owns the loop, optimizer, checkpoints and callbacks; the task owns
 * everything task-specific.
 */
export interface TaskRun<P extends Prepared = Prepared> {
  readonly learner: Learner;
  readonly teacher?: Teacher;
  /** Steps in one pass over the training data. */
  readonly stepsPerEpoch: number;
  /**
   * Async work before a step that cannot run inside the differentiated loss (e.g. decoding
   * on-policy samples, generating teacher outputs). Its result is passed to `loss`.
   */
  prepareStep?(ctx: StepContext): Promise<P>;
  /**
   * The scalar to minimise at this step, a pure function of (learner weights, teacher weights, ctx,
   * prepared). Called inside the optimizer's gradient tape: no async work, no side effects on weights.
   * With a trainable teacher it must run the teacher's forward pass here (not in `prepareStep`), so
   * that the teacher-update strategies can differentiate it with respect to the teacher's weights.
   * The trainer may call it several times in one step (MetaDistil); each call gets a context whose
   * `rng` starts from the same state, so dropout masks repeat.
   */
  loss(ctx: StepContext, prepared: P): tf.Scalar;
  /** Scores on a split; the trainer logs them and drives early stopping with them. */
  evaluate(split: 'val' | 'test'): Promise<Metrics>;
  /**
   * For a trainable teacher: an extra, task-defined loss on the teacher's variables (e.g. the teacher's
   * own cross-entropy). With `teacherUpdate` fixed (the default) it is the teacher's only update, at the
   * learner's optimizer settings, as before; with the MetaDistil strategies its gradient is added to the
   * meta-gradient. A task needs no MetaDistil code of its own: `quizLoss` is the mechanism.
   */
  teacherLoss?(ctx: StepContext, prepared: P): tf.Scalar;
  /**
   * The learner's loss on a quiz batch: held-out examples carved from the training data (never the
   * validation or test split), chosen by `ctx.step`, the task loss with labels (no distillation, no
   * dropout). It reads the learner's current variables, so the MetaDistil strategies evaluate it at the
   * pilot weights θ' by assigning them (the trainer restores θ bit-exactly afterwards): the task needs
   * no functional forward. Required by `teacherUpdate.strategy` metadistil / metadistil-first-order.
   */
  quizLoss?(ctx: StepContext, prepared: P): tf.Scalar;
  /** Writes outputs (translations, tables, images) into `dir` at the end of the run. */
  writeArtifacts?(dir: string): Promise<void>;
  /** Releases every tensor the run holds. */
  dispose(): void;
}

/** One problem `validate` found: the config path it is about and what is wrong. */
export interface ConfigIssue {
  /** Dotted config path, e.g. `teacher.checkpoint` or `data.path`. */
  readonly path: string;
  readonly message: string;
}

/**
 * A named experiment recipe a plugin contributes, e.g. `classify.kd` or `mt.word-kd`, typed by the
 * plugin's config `C` and by what its steps prepare `P`. Register it with `bind(Task).toConstantValue`.
 */
export const Task = Symbol('Task');
export interface Task<C extends BaseExperimentConfig = BaseExperimentConfig, P extends Prepared = Prepared> {
  /** The plugin that contributes it (matches `config.plugin`). */
  readonly plugin: string;
  /** Matches `config.task`. */
  readonly name: string;
  readonly description: string;
  /** Names of the metrics `evaluate` reports: `train.earlyStopping.metric` must be one of them. */
  readonly metrics: readonly string[];
  /**
   * Checks `kt validate` and `kt run` make before any training: files that must exist, settings this
   * task cannot honour. Cheap (no data loading beyond `stat`). Returns the problems found.
   */
  validate?(config: C): ConfigIssue[];
  /** Builds models and data from the config; provisions a teacher through `ctx.teachers` when it needs one. */
  create(ctx: TaskContext<C>): Promise<TaskRun<P>>;
}
