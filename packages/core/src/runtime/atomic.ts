import * as fs from 'fs';
import * as path from 'path';

let counter = 0;
function tempName(target: string): string {
  counter += 1;
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${counter}`);
}

/** Writes a file so readers see either the old or the new content, never a partial one. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
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
  fs.mkdirSync(path.dirname(target), { recursive: true });
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
