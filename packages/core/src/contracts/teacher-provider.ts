import type { BaseExperimentConfig } from '../config/experiment-schema';
import type { Metrics } from './metric';

/** What a task asks for when it needs a trained teacher. */
export interface TeacherRequest {
  /**
   * The complete experiment that trains the teacher: usually the plugin's supervised task with the
   * teacher's model, optimizer settings and seed (e.g. `{ ...config, task: 'train', learner: config.teacher, train: config.teacher.train }`).
   * `name`, `description` and `output` do not enter the cache key.
   */
  readonly config: BaseExperimentConfig;
  /** Hash of the training data's *content* (not its path): the same bytes under another path hit the cache. */
  readonly dataHash: string;
  /** Version of the model's code: bump it when the model's math changes, so stale teachers are retrained. */
  readonly modelVersion: string;
}

/** A teacher ready to load: a complete kt run directory (config.json, metrics.jsonl, checkpoints, summary.json). */
export interface ProvisionedTeacher {
  /** The teacher's run directory; load its weights with `readRunWeights(runDir)`. */
  readonly runDir: string;
  /** The cache key (also the directory's name). */
  readonly key: string;
  /** True when an earlier run was reused (trained now: false). */
  readonly fromCache: boolean;
  /** Wall seconds this provisioning took in this process: the teacher's training when trained now (a resumed one: the rest of it), else the checkpoint check (and any wait for another process training it). */
  readonly seconds: number;
  /** The teacher run's test scores. */
  readonly test?: Metrics;
}

/** Trains teachers or reuses cached ones; given to tasks as `TaskContext.teachers`. */
export const TeacherProvider = Symbol('TeacherProvider');
export interface TeacherProvider {
  provision(request: TeacherRequest): Promise<ProvisionedTeacher>;
}
