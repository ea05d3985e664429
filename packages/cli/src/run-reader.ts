import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, isFinished, latestCheckpointStep, readSummary, RunLock, type RunSummary } from '@kt/core';

/** A run directory as read back: its summary and resolved config when present. */
export interface RunRecord {
  dir: string;
  /**
   * The directory's name, e.g. `20250101-120000-digits-kd`; among runs read together (withUniqueIds), runs of
   * one name in different parents (two sweeps' `lr=0.1__seed-1`) get as many parent names as tell them apart.
   */
  id: string;
  summary?: RunSummary;
  config?: Record<string, unknown>;
}

/** A kt run directory has a config.json or a summary.json. */
export function isRunDir(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory() && (fs.existsSync(path.join(dir, 'config.json')) || fs.existsSync(path.join(dir, 'summary.json')));
  } catch {
    return false;
  }
}

/** The run directories directly inside `parent`, by name. */
export function listRunDirs(parent: string): string[] {
  if (!fs.existsSync(parent) || !fs.statSync(parent).isDirectory()) throw new ConfigError(`runs directory not found: ${parent}`);
  return fs
    .readdirSync(parent)
    .filter((d) => !d.startsWith('.'))
    .map((d) => path.join(parent, d))
    .filter(isRunDir)
    .sort();
}

export function readRun(dir: string): RunRecord {
  let config: Record<string, unknown> | undefined;
  try {
    config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    config = undefined;
  }
  return { dir, id: path.basename(dir), summary: readSummary(dir), config };
}

/**
 * Where a run stands, as `kt runs`, `kt show`, `kt compare` and `kt report` print it. The summary's status, except
 * that `running` holds only while a live process holds the run's lock: a run whose process died without ending it
 * (killed, out of memory, a script without stop handlers) is `killed`. A killed, interrupted or failed run with a
 * checkpoint continues from `resumeStep` under `kt run --resume DIR`.
 */
export interface RunStatus {
  status: RunSummary['status'] | 'killed' | 'unknown';
  /** Steps done: the summary's at the end; while running the last logged step; when killed the checkpoint's. */
  step: number | undefined;
  /** The planned steps: the summary's at the end, else the config's train.steps when it sets them. */
  totalSteps: number | undefined;
  resumeStep: number | undefined;
}

export function runStatus(run: RunRecord): RunStatus {
  const s = run.summary;
  const planned = configValue(run.config, 'train.steps');
  const totalSteps = s && s.totalSteps > 0 ? s.totalSteps : typeof planned === 'number' ? planned : undefined;
  if (!s) return { status: 'unknown', step: undefined, totalSteps, resumeStep: undefined };
  const resumeStep = isFinished(s) ? undefined : latestCheckpointStep(path.join(run.dir, 'checkpoints'));
  if (s.status !== 'running') return { status: s.status, step: s.steps, totalSteps, resumeStep };
  // held: by a live process on this machine, or by any process on another host
  if (!RunLock.isHeld(run.dir)) return { status: 'killed', step: resumeStep ?? 0, totalSteps, resumeStep };
  const logged = readMetricLines(run.dir).filter((l) => typeof l['step'] === 'number').at(-1)?.['step'] as number | undefined;
  return { status: 'running', step: logged ?? 0, totalSteps, resumeStep };
}

/** `12/100`, `12` when the plan is unknown, `-` without a summary. */
export function formatSteps(st: RunStatus): string {
  if (st.step === undefined) return '-';
  return st.totalSteps === undefined ? String(st.step) : `${st.step}/${st.totalSteps}`;
}

/**
 * `records` with ids that tell them apart: a run whose directory name another run shares is named by its path's
 * last k components (`sweep-a/lr=0.1__seed-1`), k the fewest that make every such id unique. Charts, groups and
 * tables key runs by id, so two runs of one name would otherwise show one run's data twice.
 */
export function withUniqueIds<T extends RunRecord>(records: readonly T[]): T[] {
  const parts = records.map((r) => path.resolve(r.dir).split(path.sep).filter(Boolean));
  const ids = records.map((r) => r.id);
  for (let k = 2; new Set(ids).size < ids.length; k++) {
    const clashing = new Set(ids.filter((id, i) => ids.indexOf(id) !== i));
    let grew = false;
    ids.forEach((id, i) => {
      if (!clashing.has(id) || parts[i]!.length < k) return;
      ids[i] = parts[i]!.slice(-k).join('/');
      grew = true;
    });
    if (!grew) break; // the same directory given twice: left to the caller's de-duplication
  }
  return records.map((r, i) => (ids[i] === r.id ? r : { ...r, id: ids[i]! }));
}

/**
 * A run given as a path, as a name under `runsDir`, or as the unique run there whose name ends
 * with (or contains) the given text.
 */
export function resolveRunDir(spec: string, cwd: string, runsDir: string): string {
  const direct = path.resolve(cwd, spec);
  if (isRunDir(direct)) return direct;
  const parent = path.resolve(cwd, runsDir);
  const inRuns = path.join(parent, spec);
  if (isRunDir(inRuns)) return inRuns;
  let candidates: string[] = [];
  if (fs.existsSync(parent) && fs.statSync(parent).isDirectory()) {
    const all = listRunDirs(parent);
    candidates = all.filter((d) => path.basename(d).endsWith(`-${spec}`));
    if (candidates.length === 0) candidates = all.filter((d) => path.basename(d).includes(spec));
  }
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1) {
    throw new ConfigError(`"${spec}" matches ${candidates.length} runs in ${runsDir}: ${candidates.map((d) => path.basename(d)).join(', ')}`);
  }
  throw new ConfigError(`run not found: ${spec} (not a run directory, nor a run in ${runsDir})`);
}

/** The parsed lines of a run's metrics.jsonl (unparseable lines skipped). */
export function readMetricLines(dir: string): Record<string, unknown>[] {
  const file = path.join(dir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return [];
  const out: Record<string, unknown>[] = [];
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!l.trim()) continue;
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // a torn last line of a crashed run
    }
  }
  return out;
}

/** The value at a dotted path of a config, or undefined. */
export function configValue(config: Record<string, unknown> | undefined, dotted: string): unknown {
  let node: unknown = config;
  for (const part of dotted.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
