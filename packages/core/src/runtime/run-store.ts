import * as crypto from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from './atomic';
import { ensureDir } from './ensure-dir';
import { ConfigError } from './errors';

/** A stable fingerprint of a resolved config (key order does not matter). */
export function configHash(config: unknown): string {
  return crypto.createHash('sha256').update(stableStringify(config)).digest('hex').slice(0, 16);
}

export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

function timestamp(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** How many `<stamp>-<name>-N` siblings createRunDir tries before giving up. */
export const MAX_RUN_DIR_SUFFIX = 1000;

function cannotWrite(outDir: string, err: unknown): ConfigError {
  const e = err as NodeJS.ErrnoException;
  return new ConfigError(`output directory ${outDir} cannot be written: ${e.code ? `${e.code} (${e.message})` : e.message}`);
}

/**
 * Creates `<outDir>/<timestamp>-<name>/` with `checkpoints/` and `artifacts/`; errors name the
 * directory. The run directory itself is made with an exclusive (non-recursive) mkdir, so two
 * processes started in the same second never get the same directory: the loser of the race
 * gets EEXIST and moves on to `<timestamp>-<name>-2`, `-3`, …
 */
export function createRunDir(outDir: string, name: string, now = new Date()): string {
  const base = path.resolve(outDir);
  try {
    ensureDir(base);
    fs.accessSync(base, fs.constants.W_OK);
  } catch (err) {
    throw cannotWrite(outDir, err);
  }
  const stem = `${timestamp(now)}-${name}`;
  for (let i = 1; i <= MAX_RUN_DIR_SUFFIX; i++) {
    const dir = path.join(base, i === 1 ? stem : `${stem}-${i}`);
    try {
      fs.mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw cannotWrite(outDir, err);
    }
    try {
      fs.mkdirSync(path.join(dir, 'checkpoints'));
      fs.mkdirSync(path.join(dir, 'artifacts'));
    } catch (err) {
      throw cannotWrite(outDir, err);
    }
    return dir;
  }
  throw new ConfigError(`output directory ${outDir} already holds ${MAX_RUN_DIR_SUFFIX} runs named ${stem}[-N]; use another name or directory`);
}

export interface RunSummary {
  name: string;
  plugin: string;
  task: string;
  status: 'running' | 'completed' | 'stopped-early' | 'interrupted' | 'failed';
  error?: string;
  /** Warnings raised during training, e.g. a loss that diverged without turning NaN. */
  warnings?: string[];
  steps: number;
  totalSteps: number;
  val?: Record<string, number>;
  test?: Record<string, number>;
  timings: { totalSeconds: number; trainSeconds: number; stepsPerSecond: number };
  backend: string;
  versions: Record<string, string>;
  gitCommit?: string;
  configHash: string;
  startedAt: string;
  endedAt?: string;
  /** The teacher runs this run was taught by (provisioned through `TaskContext.teachers`). */
  teachers?: { runDir: string; key: string; fromCache: boolean; /** wall seconds of provisioning, part of timings.totalSeconds (absent in runs before it was recorded) */ seconds?: number }[];
}

export function writeSummary(runDir: string, summary: RunSummary): void {
  writeJsonAtomic(path.join(runDir, 'summary.json'), summary);
}

export function readSummary(runDir: string): RunSummary | undefined {
  const file = path.join(runDir, 'summary.json');
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RunSummary;
  } catch {
    return undefined;
  }
}

/** Whether a run has finished its training: completed, or stopped early by its validation metric. */
export function isFinished(summary: Pick<RunSummary, 'status'> | undefined): boolean {
  return summary?.status === 'completed' || summary?.status === 'stopped-early';
}

/** The commit of the code that ran, when it runs from a git checkout. */
export function gitCommit(cwd = process.cwd()): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}
