import * as fs from 'fs';
import * as path from 'path';
import { ensureDir } from './ensure-dir';
import { isProcessAlive } from './run-lock';

let counter = 0;
/** `.<name>.tmp-<pid>-<n>`: the temp entries of writeFileAtomic / writeDirAtomic. */
const TEMP_ENTRY = /^\..+\.tmp-(\d+)-\d+$/;

function tempName(target: string): string {
  counter += 1;
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${counter}`);
}

/** Writes a file so readers see either the old or the new content, never a partial one. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  ensureDir(path.dirname(target));
  const tmp = tempName(target);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, target);
}

export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, `${JSON.stringify(value, undefined, 2)}\n`);
}

/**
 * Fills a directory through `fill(tmpDir)` and then renames it into place, so a crash leaves
 * either no directory or a complete one. An existing target is replaced.
 */
export function writeDirAtomic(target: string, fill: (dir: string) => void): void {
  ensureDir(path.dirname(target));
  const tmp = tempName(target);
  fs.mkdirSync(tmp);
  try {
    fill(tmp);
    if (fs.existsSync(target)) {
      const old = tempName(target);
      fs.renameSync(target, old);
      fs.renameSync(tmp, target);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, target);
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Removes the temp entries (`.<name>.tmp-<pid>-<n>`, files or whole checkpoint directories) that
 * a process killed mid-write (SIGKILL, power loss) left in `dir`. Entries of a live process,
 * including this one, are kept. Returns the removed paths.
 */
export function removeStaleTempEntries(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_ENTRY.exec(name);
    if (!m || isProcessAlive(Number(m[1]))) continue;
    const p = path.join(dir, name);
    fs.rmSync(p, { recursive: true, force: true });
    removed.push(p);
  }
  return removed;
}
