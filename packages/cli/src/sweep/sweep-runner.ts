import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { isFinished, readSummary, RunLock, type RunSummary } from '@kt/core';
import type { SweepCell, SweepManifest } from './sweep-manifest';

/**
 * Where a sweep's run stands: `pending` (no directory yet), `done` (completed or stopped early),
 * `running` (another live process holds its run lock), `resumable` (interrupted, failed or killed:
 * continued from its last checkpoint), `broken` (a directory without config.json: made fresh again).
 */
export type SweepRunState = 'pending' | 'done' | 'running' | 'resumable' | 'broken';

export function sweepRunState(runDir: string): { state: SweepRunState; summary?: RunSummary } {
  if (!fs.existsSync(runDir)) return { state: 'pending' };
  const summary = readSummary(runDir);
  if (isFinished(summary)) return { state: 'done', summary };
  if (RunLock.isHeld(runDir)) return { state: 'running', summary };
  if (!fs.existsSync(path.join(runDir, 'config.json'))) return { state: 'broken', summary };
  return { state: 'resumable', summary };
}

/** One run of a sweep: its cell, seed and absolute directory. */
export interface SweepJob {
  cell: SweepCell;
  seed: number;
  runDir: string;
}

export function sweepJobs(sweepDir: string, manifest: SweepManifest): SweepJob[] {
  return manifest.cells.flatMap((cell) => cell.runs.map((r) => ({ cell, seed: r.seed, runDir: path.resolve(sweepDir, r.runDir) })));
}

/**
 * The `kt` arguments that carry a job forward from `state`: a new run in exactly its directory
 * (config, the sweep's sets, the cell's overrides and the seed; its teachers cached in the sweep
 * directory), or `--resume` of the run from its last checkpoint. Undefined when there is nothing to do.
 */
export function ktArgsFor(manifest: SweepManifest, sweepDir: string, job: SweepJob, state: SweepRunState): string[] | undefined {
  if (state === 'done' || state === 'running') return undefined;
  if (state === 'resumable') return ['run', '--resume', job.runDir, '--quiet'];
  const sets = [...manifest.sets, ...job.cell.overrides, `train.seed=${job.seed}`].flatMap((s) => ['--set', s]);
  return ['run', manifest.config, ...sets, '--run-dir', job.runDir, '--out', sweepDir, '--quiet'];
}

/** Removes a run directory left without config.json (it never started); returns whether it did. */
export function clearBrokenRun(runDir: string): void {
  fs.rmSync(runDir, { recursive: true, force: true });
}

/** The `kt` binary of this package (bin/kt.js, which loads dist/). */
export const KT_BIN = path.resolve(__dirname, '..', '..', 'bin', 'kt.js');

export interface ProcessOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kt ARGS` in a child process (same node), resolving when it exits. */
export function runKt(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; ktBin?: string }): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [options.ktBin ?? KT_BIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: 1, stdout, stderr: `${stderr}${err.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1), stdout, stderr }));
  });
}

export interface PoolEvents {
  onStart?(job: SweepJob, resumed: boolean): void;
  onEnd?(job: SweepJob, outcome: ProcessOutcome): void;
  onSkip?(job: SweepJob, state: SweepRunState): void;
}

export interface PoolResult {
  ran: number;
  skipped: number;
  failed: SweepJob[];
  interrupted: boolean;
}

/**
 * Runs the jobs not done yet in at most `parallel` child processes. Completed runs are skipped (a
 * sweep is resumable), an interrupted or killed run is resumed from its checkpoint, a run another
 * process holds is left to it. The first run with work runs alone, so a shared teacher is trained
 * once. `shouldStop` is polled before each launch (Ctrl-C: the running children checkpoint and
 * stop, no new one starts).
 */
export async function runPool(
  manifest: SweepManifest,
  sweepDir: string,
  options: { parallel: number; cwd: string; env: NodeJS.ProcessEnv; shouldStop?: () => boolean; ktBin?: string },
  events: PoolEvents = {},
): Promise<PoolResult> {
  const queue = sweepJobs(sweepDir, manifest);
  const result: PoolResult = { ran: 0, skipped: 0, failed: [], interrupted: false };
  /** Carries one job forward; false when the sweep is asked to stop. */
  const step = async (job: SweepJob): Promise<boolean> => {
    if (options.shouldStop?.()) {
      result.interrupted = true;
      return false;
    }
    let { state } = sweepRunState(job.runDir);
    if (state === 'broken') {
      clearBrokenRun(job.runDir);
      state = 'pending';
    }
    const args = ktArgsFor(manifest, sweepDir, job, state);
    if (!args) {
      result.skipped += 1;
      events.onSkip?.(job, state);
      return true;
    }
    events.onStart?.(job, state === 'resumable');
    const outcome = await runKt(args, options);
    result.ran += 1;
    if (outcome.code === 130 || outcome.code === 143) result.interrupted = true;
    else if (outcome.code !== 0) result.failed.push(job);
    events.onEnd?.(job, outcome);
    return true;
  };
  // The first run that has work goes alone: the teacher the cells share is trained (and cached in the
  // sweep directory) once, instead of by several runs racing for the same cache entry.
  let warmed = options.parallel <= 1;
  while (!warmed && queue.length > 0) {
    const job = queue.shift()!;
    const before = result.ran;
    if (!(await step(job))) return result;
    warmed = result.ran > before;
  }
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) if (!(await step(job))) return;
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel) }, worker));
  return result;
}
