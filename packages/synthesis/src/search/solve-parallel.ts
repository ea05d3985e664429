import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { Grammar } from './grammar';
import { solveTask, type SearchBudget, type SearchReport, type ProgramTask } from './solve';
import { fromWireReport, toWireTask, type WorkerResponse, type WorkerSetup } from './wire';

export interface ParallelOptions {
  /** Worker threads (default: available cores − 1, at least 1). 1 solves in this thread. */
  readonly workers?: number;
  /** Called as each task finishes (in completion order). */
  readonly onReport?: (report: SearchReport, index: number) => void;
}

/** Default worker count: the cores left after this thread, at least one. */
export function defaultWorkerCount(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/**
 * How to start the worker: the compiled `solve-worker.js` beside this file (the built package), or, in a source
 * checkout (jest, ts), the TypeScript entry compiled on load by @swc/core, a dev dependency of the workspace.
 */
function workerEntry(): { script: string; eval: boolean } {
  const js = path.join(__dirname, 'solve-worker.js');
  if (fs.existsSync(js)) return { script: js, eval: false };
  const ts = path.join(__dirname, 'solve-worker.ts');
  const swc = require.resolve('@swc/core');
  const code = [
    "const fs = require('fs');",
    `const swc = require(${JSON.stringify(swc)});`,
    "require.extensions['.ts'] = (m, filename) => {",
    "  const out = swc.transformSync(fs.readFileSync(filename, 'utf8'), { filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } });",
    '  m._compile(out.code, filename);',
    '};',
    `require(${JSON.stringify(ts)});`,
  ].join('\n');
  return { script: code, eval: true };
}

/**
 * Solves tasks on a pool of worker threads, each task with its own `budget` (time and nodes are per task, and
 * each report says what it spent). Reports come back in the order of `tasks`. Grammar productions must be
 * primitives known to `allPrimitives()` or invented functions over them (the workers rebuild the grammar by name).
 */
export async function solveTasksParallel(
  tasks: readonly ProgramTask[],
  grammar: Grammar,
  budget: SearchBudget = {},
  options: ParallelOptions = {},
): Promise<SearchReport[]> {
  const n = Math.max(1, Math.min(options.workers ?? defaultWorkerCount(), tasks.length));
  const reports: SearchReport[] = new Array<SearchReport>(tasks.length);
  if (n === 1) {
    tasks.forEach((t, i) => {
      reports[i] = solveTask(t, grammar, budget);
      options.onReport?.(reports[i]!, i);
    });
    return reports;
  }
  const entry = workerEntry();
  const setup: WorkerSetup = { grammar: grammar.toJson(), budget };
  let next = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      let failed = false;
      const feed = (w: Worker): void => {
        if (next >= tasks.length) return;
        const id = next++;
        w.postMessage({ id, task: toWireTask(tasks[id]!) });
      };
      for (let k = 0; k < n; k++) {
        const w = new Worker(entry.script, { eval: entry.eval, workerData: setup });
        workers.push(w);
        w.on('message', (msg: WorkerResponse) => {
          if (failed) return;
          if (msg.error !== undefined || msg.report === undefined) {
            failed = true;
            reject(new Error(`solving task ${tasks[msg.id]?.name ?? msg.id} failed in a worker: ${msg.error ?? 'no report'}`));
            return;
          }
          reports[msg.id] = fromWireReport(msg.report);
          options.onReport?.(reports[msg.id]!, msg.id);
          if (++done === tasks.length) resolve();
          else feed(w);
        });
        w.on('error', (e) => {
          if (!failed) {
            failed = true;
            reject(e);
          }
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return reports;
}
