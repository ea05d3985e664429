import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Container } from 'inversify';
import type { BaseExperimentConfig } from '../config/experiment-schema';
import { formatZodError, type RawConfig } from '../config/load-config';
import type { TaskContext, TaskRun } from '../contracts/task';
import type { ProvisionedTeacher } from '../contracts/teacher-provider';
import { removeStaleTempEntries, writeJsonAtomic } from './atomic';
import { ensureDir } from './ensure-dir';
import { latestCheckpoint, readCheckpoint } from './checkpoint';
import { disposeMap } from './tensor-file';
import { ConfigError, RunInterruptedError } from './errors';
import type { Logger } from './logger';
import type { PluginRegistry } from './plugin-registry';
import { TaskRegistry } from './plugin-registry';
import { Rng } from './rng';
import { RunLock } from './run-lock';
import { configHash, createRunDir, gitCommit, isFinished, readSummary, writeSummary, type RunSummary } from './run-store';
import { MetricsWriter } from './metrics-writer';
import { ProgressReporter } from './progress-reporter';
import { Trainer, type TrainerCallback } from './trainer';
import { createTeacherProvisioner } from './teacher-provisioning';
import { createTransferObjective } from './transfer-objective';
import { validateExperiment } from './validate-experiment';
import { KT_VERSION } from './version';

/**
 * Validates a raw config as the discriminated union over the known plugins: the `plugin` field
 * picks the schema (an unknown one lists the known plugins), then every error names its path.
 */
export function resolveExperimentConfig(raw: RawConfig, plugins: PluginRegistry, source?: string): BaseExperimentConfig {
  const name = raw['plugin'];
  if (typeof name !== 'string') {
    throw new ConfigError(`${source ? `${source}: ` : ''}invalid config\n  - plugin: required; known plugins: ${plugins.names().join(', ')}`);
  }
  const schema = plugins.get(name).configSchema;
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatZodError(result.error, source));
  return result.data as BaseExperimentConfig;
}

export interface RunExperimentOptions {
  config: BaseExperimentConfig;
  container: Container;
  log: Logger;
  /** Backend name in use (already initialised by the caller). */
  backend: string;
  /** Overrides config.output.dir. */
  outDir?: string;
  /** An existing run directory to continue from its latest checkpoint. */
  resumeDir?: string;
  /** Write the run into exactly this new directory (teacher provisioning) instead of `<outDir>/<stamp>-<name>`. */
  runDir?: string;
  /** The shared cache (default `<outDir>/.cache`, or beside the resumed run). */
  cacheDir?: string;
  /** Polled between steps; the CLI sets it on SIGINT/SIGTERM. */
  shouldStop?: () => boolean;
  callbacks?: TrainerCallback[];
  /** Show a progress bar / log lines (default true). */
  progress?: boolean;
}

export interface RunOutcome {
  runDir: string;
  summary: RunSummary;
}

function versions(): Record<string, string> {
  return { kt: KT_VERSION, tfjs: tf.version.tfjs, node: process.versions.node };
}

/** A logger that puts `prefix` before every line (e.g. `teacher: ` for a provisioned teacher's run). */
export function prefixedLogger(log: Logger, prefix: string): Logger {
  return {
    info: (l) => log.info(`${prefix}${l}`),
    warn: (l) => log.warn(`${prefix}${l}`),
    debug: (l) => log.debug(`${prefix}${l}`),
  };
}

/** Reads the resolved config of an existing run (for --resume). */
export function readRunConfig(runDir: string): RawConfig {
  const file = path.join(runDir, 'config.json');
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) throw new ConfigError(`run directory not found: ${runDir}`);
  if (!fs.existsSync(file)) throw new ConfigError(`${runDir} is not a kt run directory (no config.json)`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RawConfig;
  } catch (err) {
    throw new ConfigError(`${file} is corrupted: ${(err as Error).message}`);
  }
}

/** A new run in exactly `dir` (a provisioned teacher's cache entry): it must not exist yet. */
function createExactRunDir(dir: string): string {
  const runDir = path.resolve(dir);
  ensureDir(path.dirname(runDir));
  try {
    fs.mkdirSync(runDir);
  } catch (err) {
    throw new ConfigError(`cannot create run directory ${runDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  ensureDir(path.join(runDir, 'checkpoints'));
  ensureDir(path.join(runDir, 'artifacts'));
  return runDir;
}

interface ClaimedRunDir {
  runDir: string;
  lock: RunLock;
  startedAt: string;
  /** Steps done by the checkpoint a resumed run continues from (0 for a new run). */
  resumeStep: number;
  /** Warnings the run recorded before it was interrupted (kept in the resumed run's summary). */
  earlierWarnings: string[];
}

/**
 * A new run directory (created atomically, then locked) or the locked directory of the run to
 * resume, verified before anything in it is written: its checkpoint must belong to this config
 * and the run must not have finished. Temp entries left by a killed writer are removed.
 */
function claimRunDir(options: RunExperimentOptions, outDir: string, hash: string): ClaimedRunDir {
  const { config, log } = options;
  if (!options.resumeDir) {
    const runDir = options.runDir ? createExactRunDir(options.runDir) : createRunDir(outDir, config.name);
    const lock = RunLock.acquire(runDir, log);
    try {
      writeJsonAtomic(path.join(runDir, 'config.json'), config);
    } catch (err) {
      lock.release();
      throw err;
    }
    return { runDir, lock, startedAt: new Date().toISOString(), resumeStep: 0, earlierWarnings: [] };
  }
  const runDir = path.resolve(options.resumeDir);
  // Lock first: a run that another process is still writing is refused (exit 2, naming its pid).
  const lock = RunLock.acquire(runDir, log);
  try {
    let resumeStep = 0;
    const latest = latestCheckpoint(path.join(runDir, 'checkpoints'));
    if (latest) {
      const contents = readCheckpoint(latest, hash);
      resumeStep = contents.state.step;
      for (const m of contents.groups.values()) disposeMap(m);
    }
    const prev = readSummary(runDir);
    if (prev && isFinished(prev)) {
      throw new ConfigError(`run ${runDir} has already finished (${prev.status}); nothing to resume`);
    }
    const removed = ['', 'checkpoints', 'artifacts'].flatMap((d) => removeStaleTempEntries(path.join(runDir, d)));
    if (removed.length > 0) {
      log.warn(`removed ${removed.length} temp entr${removed.length === 1 ? 'y' : 'ies'} left by a killed run: ${removed.map((p) => path.relative(runDir, p)).join(', ')}`);
    }
    return { runDir, lock, startedAt: prev?.startedAt ?? new Date().toISOString(), resumeStep, earlierWarnings: prev?.warnings ?? [] };
  } catch (err) {
    lock.release();
    throw err;
  }
}

export interface TaskContextOptions<C extends BaseExperimentConfig> extends Omit<RunExperimentOptions, 'config' | 'runDir' | 'cacheDir'> {
  config: C;
  /** The run's directory (artifacts go to `<runDir>/artifacts`). */
  runDir: string;
  /** The shared cache; provisioned teachers go to `<cacheDir>/teachers/`. */
  cacheDir: string;
  /** Called with each teacher provisioned for this run. */
  onProvisioned?: (teacher: ProvisionedTeacher) => void;
}

/**
 * The context a task is created with: the objective from `config.transfer`, a set-up Rng, and a teacher
 * provider that trains teachers as runs of their own (through {@link runExperiment}) in `<cacheDir>/teachers`.
 * runExperiment builds it; tests and library code that call `task.create` directly use it too.
 */
export function createTaskContext<C extends BaseExperimentConfig>(options: TaskContextOptions<C>): TaskContext<C> {
  const { config, log, cacheDir } = options;
  const teacherLog = prefixedLogger(log, 'teacher: ');
  const teachers = createTeacherProvisioner({
    cacheDir,
    log,
    shouldStop: options.shouldStop,
    onProvisioned: options.onProvisioned,
    runChild: (childConfig, childDir, resume) =>
      runExperiment({
        container: options.container,
        backend: options.backend,
        shouldStop: options.shouldStop,
        progress: options.progress,
        config: childConfig,
        log: teacherLog,
        cacheDir,
        ...(resume ? { resumeDir: childDir } : { runDir: childDir }),
      }),
  });
  return {
    config,
    objective: createTransferObjective(config.transfer),
    rng: Rng.derive(config.train.seed, 0x5e7),
    log,
    runDir: options.runDir,
    cacheDir,
    backend: options.backend,
    teachers,
    shouldStop: options.shouldStop,
  };
}

/** Runs one experiment end to end and writes its run directory. */
export async function runExperiment(options: RunExperimentOptions): Promise<RunOutcome> {
  const { config, container, log } = options;
  validateExperiment(config, container);
  const outDir = options.outDir ?? config.output.dir;
  const hash = configHash(config);
  const { runDir, lock, startedAt, resumeStep, earlierWarnings } = claimRunDir(options, outDir, hash);
  const cacheDir = options.cacheDir ?? path.join(options.resumeDir ? path.dirname(runDir) : path.resolve(outDir), '.cache');
  const t0 = Date.now();
  const summary: RunSummary = {
    name: config.name,
    plugin: config.plugin,
    task: config.task,
    status: 'running',
    steps: 0,
    totalSteps: 0,
    timings: { totalSeconds: 0, trainSeconds: 0, stepsPerSecond: 0 },
    backend: options.backend,
    versions: versions(),
    gitCommit: gitCommit(__dirname),
    configHash: hash,
    startedAt,
  };
  try {
    writeSummary(runDir, summary);
  } catch (err) {
    lock.release();
    throw err;
  }
  log.info(`run directory: ${runDir}`);

  const metricsWriter = new MetricsWriter(runDir, config.train.logEvery, log);
  const callbacks: TrainerCallback[] = [metricsWriter, ...(options.callbacks ?? [])];
  if (options.progress !== false) callbacks.push(new ProgressReporter(log, config.train.logEvery));
  // Set-up failures (unknown task, teacher training, data) also end the run as 'failed', not 'running'.
  let run: TaskRun | undefined;
  let trainer: Trainer | undefined;
  try {
    const task = new TaskRegistry(container).get(config.plugin, config.task);
    const ctx = createTaskContext({
      ...options,
      runDir,
      cacheDir,
      onProvisioned: (t) => {
        summary.teachers = [...(summary.teachers ?? []), { runDir: t.runDir, key: t.key, fromCache: t.fromCache, seconds: t.seconds }];
        writeSummary(runDir, summary);
      },
    });
    try {
      run = await task.create(ctx);
    } catch (err) {
      if (!(err instanceof RunInterruptedError)) throw err;
      log.info(err.message);
      summary.status = 'interrupted';
      return { runDir, summary };
    }
    trainer = new Trainer({
      run,
      train: config.train,
      teacherUpdate: config.teacherUpdate,
      dir: runDir,
      configHash: hash,
      log,
      callbacks,
      resume: Boolean(options.resumeDir),
      shouldStop: options.shouldStop,
    });
    if (options.resumeDir) metricsWriter.truncateAfter(resumeStep);
    const result = await trainer.fit();
    summary.status = result.status;
    summary.steps = result.steps;
    summary.totalSteps = result.totalSteps;
    summary.val = result.val;
    const warnings = [...earlierWarnings, ...result.warnings];
    if (warnings.length > 0) summary.warnings = warnings;
    summary.timings.trainSeconds = result.trainSeconds;
    summary.timings.stepsPerSecond = result.steps / Math.max(1e-9, result.trainSeconds);
    if (result.status !== 'interrupted') {
      try {
        summary.test = await run.evaluate('test');
      } catch (err) {
        // Stopped inside the test evaluation (the task polls TaskContext.shouldStop): training is
        // checkpointed, so --resume skips to the evaluation and redoes it.
        if (!(err instanceof RunInterruptedError)) throw err;
        log.info(`${err.message}; training is complete and checkpointed: --resume redoes the test evaluation`);
        summary.status = 'interrupted';
        return { runDir, summary };
      }
      for (const cb of callbacks) cb.onEvaluate?.(result.steps, 'test', summary.test);
      if (run.writeArtifacts) await run.writeArtifacts(path.join(runDir, 'artifacts'));
    }
  } catch (err) {
    summary.status = 'failed';
    summary.error = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    summary.endedAt = new Date().toISOString();
    summary.timings.totalSeconds = Math.max(summary.timings.trainSeconds, (Date.now() - t0) / 1000);
    writeSummary(runDir, summary);
    trainer?.dispose();
    run?.dispose();
    lock.release();
  }
  return { runDir, summary };
}
