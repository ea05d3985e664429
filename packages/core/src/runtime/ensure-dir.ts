import * as fs from 'fs';
import * as path from 'path';

/**
 * `mkdir -p` without Node's `{ recursive: true }`, which spins forever (100 % CPU, signals never
 * handled) when the kernel answers ENOENT for a directory whose parent exists, as /proc does:
 * `fs.mkdirSync('/proc/x', { recursive: true })` never returns. Here every missing level is
 * created once, non-recursively, and any error other than "already exists" is thrown as is.
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let cur = path.resolve(dir);
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(cur);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (stat) {
      if (!stat.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${cur}'`), { code: 'ENOTDIR', path: cur });
      break;
    }
    const parent = path.dirname(cur);
    missing.push(cur);
    if (parent === cur) break;
    cur = parent;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      // Created meanwhile by another process: fine if it is a directory.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(d).isDirectory()) throw err;
    }
  }
}
