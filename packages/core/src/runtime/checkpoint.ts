import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeDirAtomic, writeJsonAtomic } from './atomic';
import { CheckpointError } from './errors';
import { disposeMap, hasTensors, loadTensors, saveTensors } from './tensor-file';

/** What, besides weights, a checkpoint must carry for a resumed run to equal an uninterrupted one. */
export interface TrainerState {
  /** Steps completed. */
  step: number;
  /** Fingerprint of the resolved experiment config; a checkpoint of another experiment is refused. */
  configHash: string;
  bestMetric?: number;
  evalsSinceBest: number;
  elapsedSeconds: number;
  ktVersion: string;
}

export interface CheckpointContents {
  state: TrainerState;
  /** Named groups of tensors, e.g. learner, teacher, optimizer. */
  groups: Map<string, Map<string, tf.Tensor>>;
}

const STATE_FILE = 'state.json';

export function checkpointName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/** Writes `<checkpointsDir>/<name>/` atomically and points `latest.json` at it. */
export function writeCheckpoint(checkpointsDir: string, name: string, contents: CheckpointContents, keep = 2): string {
  const target = path.join(checkpointsDir, name);
  writeDirAtomic(target, (dir) => {
    for (const [group, tensors] of contents.groups) saveTensors(dir, group, tensors);
    fs.writeFileSync(
      path.join(dir, STATE_FILE),
      JSON.stringify({ format: 'kt-checkpoint/1', groups: [...contents.groups.keys()], ...contents.state }, undefined, 2),
    );
  });
  if (name.startsWith('step-')) {
    writeJsonAtomic(path.join(checkpointsDir, 'latest.json'), { checkpoint: name, step: contents.state.step });
    const old = fs
      .readdirSync(checkpointsDir)
      .filter((d) => /^step-\d{8}$/.test(d))
      .sort();
    for (const d of old.slice(0, Math.max(0, old.length - keep))) fs.rmSync(path.join(checkpointsDir, d), { recursive: true, force: true });
  }
  return target;
}

/** The directory of the newest complete checkpoint, or undefined when there is none. */
export function latestCheckpoint(checkpointsDir: string): string | undefined {
  const pointer = path.join(checkpointsDir, 'latest.json');
  if (!fs.existsSync(pointer)) return undefined;
  let name: unknown;
  try {
    name = (JSON.parse(fs.readFileSync(pointer, 'utf8')) as { checkpoint?: unknown }).checkpoint;
  } catch {
    throw new CheckpointError(`${pointer} is corrupted (not JSON)`);
  }
  if (typeof name !== 'string' || !/^step-\d{8}$/.test(name)) throw new CheckpointError(`${pointer} does not name a checkpoint`);
  const dir = path.join(checkpointsDir, name);
  if (!fs.existsSync(dir)) throw new CheckpointError(`${pointer} points at ${name}, which does not exist`);
  return dir;
}

/** The step of the newest checkpoint (where `--resume` continues), or undefined when there is none or its pointer is unreadable. */
export function latestCheckpointStep(checkpointsDir: string): number | undefined {
  try {
    const step = (JSON.parse(fs.readFileSync(path.join(checkpointsDir, 'latest.json'), 'utf8')) as { step?: unknown }).step;
    return typeof step === 'number' && Number.isInteger(step) && step >= 0 ? step : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads and verifies a checkpoint. Throws CheckpointError (nothing is modified) when a file is
 * missing or corrupted, or when it was written for a different experiment config.
 */
export function readCheckpoint(dir: string, expectedConfigHash: string): CheckpointContents {
  const statePath = path.join(dir, STATE_FILE);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(statePath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new CheckpointError(`cannot read checkpoint ${statePath}: ${(err as Error).message}`);
  }
  if (raw['format'] !== 'kt-checkpoint/1' || typeof raw['step'] !== 'number' || !Array.isArray(raw['groups'])) {
    throw new CheckpointError(`${statePath} is not a kt checkpoint`);
  }
  if (raw['configHash'] !== expectedConfigHash) {
    throw new CheckpointError(
      `checkpoint ${dir} belongs to a different experiment (config hash ${String(raw['configHash'])}, expected ${expectedConfigHash})`,
    );
  }
  const groups = new Map<string, Map<string, tf.Tensor>>();
  try {
    for (const g of raw['groups'] as string[]) {
      if (!hasTensors(dir, g)) throw new CheckpointError(`checkpoint ${dir} is missing ${g}.bin or ${g}.json`);
      groups.set(g, loadTensors(dir, g));
    }
  } catch (err) {
    for (const m of groups.values()) disposeMap(m);
    throw err;
  }
  const state: TrainerState = {
    step: raw['step'] as number,
    configHash: raw['configHash'] as string,
    bestMetric: typeof raw['bestMetric'] === 'number' ? raw['bestMetric'] : undefined,
    evalsSinceBest: typeof raw['evalsSinceBest'] === 'number' ? raw['evalsSinceBest'] : 0,
    elapsedSeconds: typeof raw['elapsedSeconds'] === 'number' ? raw['elapsedSeconds'] : 0,
    ktVersion: String(raw['ktVersion'] ?? 'unknown'),
  };
  return { state, groups };
}
