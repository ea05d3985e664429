import * as fs from 'fs';
import * as path from 'path';
import type * as tf from '@tensorflow/tfjs';
import type { BaseExperimentConfig } from '../config/experiment-schema';
import type { ProvisionedTeacher, TeacherProvider, TeacherRequest } from '../contracts/teacher-provider';
import { latestCheckpoint, readCheckpoint } from './checkpoint';
import { CheckpointError, ConfigError, KtError, RunInterruptedError } from './errors';
import type { Logger } from './logger';
import { RunLock } from './run-lock';
import { configHash, isFinished, readSummary, type RunSummary } from './run-store';
import { disposeMap } from './tensor-file';

/** Runs one experiment into exactly `runDir` (fresh, or resumed from its checkpoint); given by runExperiment. */
export type ChildRunner = (config: BaseExperimentConfig, runDir: string, resume: boolean) => Promise<{ summary: RunSummary }>;

/** Fields of a config that do not change what a teacher learns, and so stay out of its cache key. */
const UNKEYED_FIELDS = ['name', 'description', 'output', 'plugins', 'backend', 'data'] as const;

/**
 * The cache key of a teacher: its config without presentation fields and without the data section (the
 * data enter through `dataHash`, the hash of their content, so a copy under another path still hits),
 * plus the model code's version.
 */
export function teacherKey(request: TeacherRequest): string {
  const rest: Record<string, unknown> = { ...request.config };
  for (const field of UNKEYED_FIELDS) delete rest[field];
  return configHash({ config: rest, dataHash: request.dataHash, modelVersion: request.modelVersion });
}

/**
 * The final weights of a finished run, by checkpoint group (default `learner`): `checkpoints/best` when
 * the run kept one (early stopping restores it at the end), else the latest checkpoint. Verifies the
 * checkpoint; a missing or corrupted one is a CheckpointError naming the file. The caller disposes.
 */
export function readRunWeights(runDir: string, group = 'learner'): Map<string, tf.Tensor> {
  const summary = readSummary(runDir);
  if (!summary) throw new CheckpointError(`${runDir} is not a finished kt run (summary.json is missing or unreadable)`);
  const checkpoints = path.join(runDir, 'checkpoints');
  const best = path.join(checkpoints, 'best');
  const dir = fs.existsSync(best) ? best : latestCheckpoint(checkpoints);
  if (!dir) throw new CheckpointError(`run ${runDir} has no checkpoint (checkpoints/latest.json is missing)`);
  const contents = readCheckpoint(dir, summary.configHash);
  let weights: Map<string, tf.Tensor> | undefined;
  for (const [name, tensors] of contents.groups) {
    if (name === group) weights = tensors;
    else disposeMap(tensors);
  }
  if (!weights) throw new CheckpointError(`checkpoint ${dir} has no ${group} weights`);
  return weights;
}

function verifyFinishedRun(runDir: string): RunSummary {
  const summary = readSummary(runDir);
  if (!summary) throw new CheckpointError(`summary.json is missing or unreadable`);
  if (!fs.existsSync(path.join(runDir, 'config.json'))) throw new CheckpointError('config.json is missing');
  disposeMap(readRunWeights(runDir));
  return summary;
}

function readConfig(runDir: string): BaseExperimentConfig {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')) as BaseExperimentConfig;
}

/** Waits while another live process holds the lock of `dir` (it is training this teacher right now). */
async function waitWhileLocked(dir: string, log: Logger, shouldStop?: () => boolean, pollMs = 2000): Promise<void> {
  let announced = false;
  for (;;) {
    try {
      RunLock.assertFree(dir);
      return;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (!announced) {
        log.info(`teacher: another process is training this teacher (${err.message.split('\n')[0]}); waiting for it to finish`);
        announced = true;
      }
    }
    if (shouldStop?.()) throw new RunInterruptedError(`stopped while waiting for another process to train the teacher in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export interface TeacherProvisionerOptions {
  /** `<output dir>/.cache`: teachers live in `<cacheDir>/teachers/<plugin>-<key>/`. */
  cacheDir: string;
  log: Logger;
  runChild: ChildRunner;
  /** Called with every teacher provisioned (the KD run's summary names them). */
  onProvisioned?: (teacher: ProvisionedTeacher) => void;
  /** Polled while waiting for another process that trains the same teacher (Ctrl-C). */
  shouldStop?: () => boolean;
  /** How often that wait looks at the lock (ms; default 2000). */
  lockPollMs?: number;
}

/**
 * Core's teacher provisioning: a teacher is a kt run like any other, kept in the cache under a key of
 * (teacher config, data content hash, model code version).
 * - a finished entry whose checkpoint verifies is reused;
 * - a corrupted entry (unreadable summary, missing or damaged checkpoint) is reported and rebuilt;
 * - an interrupted entry (Ctrl-C during an earlier teacher training) is resumed from its checkpoint;
 * - an interruption now ends the caller's run as interrupted (RunInterruptedError): a half-trained
 *   teacher is never used, and the next run resumes it.
 */
export function createTeacherProvisioner(options: TeacherProvisionerOptions): TeacherProvider {
  const { log } = options;
  return {
    async provision(request: TeacherRequest): Promise<ProvisionedTeacher> {
      const t0 = Date.now();
      const key = teacherKey(request);
      const dir = path.join(options.cacheDir, 'teachers', `${request.config.plugin}-${key}`);
      const done = (summary: RunSummary, fromCache: boolean): ProvisionedTeacher => {
        const teacher: ProvisionedTeacher = { runDir: dir, key, fromCache, seconds: (Date.now() - t0) / 1000, test: summary.test };
        options.onProvisioned?.(teacher);
        return teacher;
      };
      let resume = false;
      // A live process may be training this very teacher (two runs started together, sweep workers): wait for
      // it instead of deleting or resuming its entry under it; then its finished run is simply reused.
      if (fs.existsSync(dir)) await waitWhileLocked(dir, log, options.shouldStop, options.lockPollMs);
      if (fs.existsSync(dir)) {
        const previous = readSummary(dir);
        if (isFinished(previous)) {
          try {
            const summary = verifyFinishedRun(dir);
            log.info(`teacher: reusing the trained teacher run ${dir}`);
            return done(summary, true);
          } catch (err) {
            if (!(err instanceof KtError)) throw err;
            log.warn(`teacher cache entry ${dir} is corrupted (${err.message}); training the teacher again`);
            fs.rmSync(dir, { recursive: true, force: true });
          }
        } else if (previous && (previous.status === 'interrupted' || previous.status === 'running') && latestCheckpoint(path.join(dir, 'checkpoints'))) {
          log.info(`teacher: resuming the interrupted teacher run ${dir} at step ${previous.steps}`);
          resume = true;
        } else {
          log.warn(`teacher cache entry ${dir} is incomplete (${previous ? `status ${previous.status}` : 'no summary.json'}); training the teacher again`);
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
      let outcome: { summary: RunSummary };
      try {
        outcome = await options.runChild(resume ? readConfig(dir) : request.config, dir, resume);
      } catch (err) {
        if (!resume || !(err instanceof CheckpointError)) throw err;
        log.warn(`cannot resume the teacher run ${dir} (${err.message}); training the teacher again`);
        fs.rmSync(dir, { recursive: true, force: true });
        outcome = await options.runChild(request.config, dir, false);
      }
      const { summary } = outcome;
      if (summary.status === 'interrupted') {
        throw new RunInterruptedError(`teacher training interrupted at step ${summary.steps}/${summary.totalSteps}; the next run resumes it (${dir})`);
      }
      if (!isFinished(summary)) throw new ConfigError(`teacher run ${dir} ended as ${summary.status}`);
      return done(summary, false);
    },
  };
}
