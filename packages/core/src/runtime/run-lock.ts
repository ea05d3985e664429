import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from './errors';
import type { Logger } from './logger';

/** The lock file inside a run directory while a process writes to it. */
export const RUN_LOCK_FILE = 'run.lock';

/** Who holds a run: written into the lock file as JSON. */
export interface RunLockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** Random per acquisition, so a process never removes a lock it does not hold. */
  token: string;
}

/** True when a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

let tempCounter = 0;

/**
 * Creates `file` holding `owner` only if it does not exist yet. The content is written to a temp
 * file first and hard-linked into place (link fails with EEXIST when the file exists), so a
 * reader never sees a half-written lock. Returns false when the file exists.
 */
function createExclusive(file: string, owner: RunLockOwner): boolean {
  const text = `${JSON.stringify(owner)}\n`;
  tempCounter += 1;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${tempCounter}`);
  fs.writeFileSync(tmp, text, { flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  // A file system without hard links: exclusive create (a reader may see it empty for a moment).
  try {
    fs.writeFileSync(file, text, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

type ReadOwner = { kind: 'missing' } | { kind: 'unreadable' } | { kind: 'owner'; owner: RunLockOwner };

function readOwner(file: string): ReadOwner {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw err;
  }
  try {
    const o = JSON.parse(text) as Partial<RunLockOwner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.startedAt === 'string' && typeof o.token === 'string') {
      return { kind: 'owner', owner: o as RunLockOwner };
    }
  } catch {
    // fall through
  }
  return { kind: 'unreadable' };
}

function isStale(owner: RunLockOwner): boolean {
  return owner.host === os.hostname() && !isProcessAlive(owner.pid);
}

function describeOwner(o: RunLockOwner): string {
  return `process ${o.pid} on ${o.host} (since ${o.startedAt})`;
}

function inUse(runDir: string, file: string, owner: RunLockOwner): ConfigError {
  return new ConfigError(`run ${runDir} is in use by ${describeOwner(owner)}; wait for it to end or stop it (lock file ${file}; delete it only if that process is not kt)`);
}

/**
 * Replaces the stale lock `held` by a lock of `owner`, under a guard file so that two processes
 * finding the same stale lock cannot both take it over. Returns false when someone else got there
 * first (the caller re-reads the lock).
 */
function takeOver(file: string, held: RunLockOwner, owner: RunLockOwner): boolean {
  const guard = `${file}.takeover`;
  if (!createExclusive(guard, owner)) {
    const g = readOwner(guard);
    // A guard left behind by a process that died mid take-over is removed; a live one is waited for.
    if (g.kind === 'unreadable' || (g.kind === 'owner' && isStale(g.owner))) fs.rmSync(guard, { force: true });
    return false;
  }
  try {
    const again = readOwner(file);
    if (again.kind === 'missing') return createExclusive(file, owner);
    if (again.kind !== 'owner' || again.owner.token !== held.token) return false;
    // Replaced by rename, never removed and re-created: a process creating the lock meanwhile
    // (createExclusive) always finds a file, so the run never looks free during a take-over.
    tempCounter += 1;
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${tempCounter}`);
    fs.writeFileSync(tmp, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
    fs.renameSync(tmp, file);
    return true;
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

/**
 * An exclusive claim on a run directory, held from creation (or `--resume`) until the run ends.
 * The lock file names its owner's pid, host and start time; a second writer gets a ConfigError
 * (exit 2) naming them. A lock whose process is gone (same host, dead pid: the run was killed) is
 * taken over with a warning. The lock is released by `release()` and, should the process exit
 * without it (a second Ctrl-C), by an exit handler.
 */
export class RunLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  private constructor(
    readonly file: string,
    readonly owner: RunLockOwner,
  ) {
    process.on('exit', this.onExit);
  }

  /** Locks `runDir` (which must exist) for this process, or throws ConfigError naming the holder. */
  static acquire(runDir: string, log?: Logger): RunLock {
    const file = path.join(runDir, RUN_LOCK_FILE);
    if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) throw new ConfigError(`run directory not found: ${runDir}`);
    const owner: RunLockOwner = {
      pid: process.pid,
      host: os.hostname(),
      startedAt: new Date().toISOString(),
      token: crypto.randomBytes(8).toString('hex'),
    };
    for (let attempt = 0; attempt < 200; attempt++) {
      if (attempt > 0) sleepSync(5);
      let created: boolean;
      try {
        created = createExclusive(file, owner);
      } catch (err) {
        throw new ConfigError(`cannot lock run ${runDir}: ${(err as Error).message}`);
      }
      if (created) return new RunLock(file, owner);
      const held = readOwner(file);
      if (held.kind === 'missing') continue;
      if (held.kind === 'unreadable') {
        throw new ConfigError(`run ${runDir} is locked by ${file}, which cannot be read; if no kt process is using this run, delete that file`);
      }
      if (!isStale(held.owner)) throw inUse(runDir, file, held.owner);
      if (takeOver(file, held.owner, owner)) {
        log?.warn(`took over the lock of run ${runDir}: its owner, ${describeOwner(held.owner)}, is no longer running`);
        return new RunLock(file, owner);
      }
    }
    throw new ConfigError(`cannot lock run ${runDir}: ${file} keeps changing (several processes are starting on this run)`);
  }

  /**
   * Throws the ConfigError `acquire` would throw when another live process holds `runDir`, without
   * taking the lock: lets a command refuse a busy run before it reads the run's files.
   */
  static assertFree(runDir: string): void {
    const file = path.join(runDir, RUN_LOCK_FILE);
    const held = readOwner(file);
    if (held.kind === 'owner' && !isStale(held.owner)) throw inUse(runDir, file, held.owner);
  }

  /** Whether another live process holds `runDir` (what assertFree throws on): a lock of a dead process on this host is no hold. */
  static isHeld(runDir: string): boolean {
    const held = readOwner(path.join(runDir, RUN_LOCK_FILE));
    return held.kind === 'owner' && !isStale(held.owner);
  }

  /** Removes the lock file if it is still this lock's (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      const held = readOwner(this.file);
      if (held.kind === 'owner' && held.owner.token === this.owner.token) fs.rmSync(this.file, { force: true });
    } catch {
      // The run directory became unreadable or was removed: nothing left to release.
    }
  }
}
