import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '../../src/runtime/errors';
import { createMemoryLogger } from '../../src/runtime/logger';
import { isProcessAlive, RUN_LOCK_FILE, RunLock } from '../../src/runtime/run-lock';
import { startChild, type Child } from './fixtures/children';

const created: string[] = [];
const children: Child[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-lock-'));
  created.push(dir);
  return dir;
}
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await c.exited;
  }
});
afterAll(() => {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function child(args: string[]): Promise<Child> {
  const c = await startChild(args);
  children.push(c);
  return c;
}

/** The result line of a `go` (skipping warning lines, returned separately). */
async function goResult(c: Child): Promise<{ result: Record<string, unknown>; warnings: string[] }> {
  const warnings: string[] = [];
  for (;;) {
    const line = await c.next();
    if (typeof line['warning'] === 'string') warnings.push(line['warning']);
    else return { result: line, warnings };
  }
}

/** A pid that belonged to a process which has exited. */
async function deadPid(): Promise<number> {
  const c = await child(['lock', tmp()]);
  c.send('kill');
  await c.exited;
  return c.pid;
}

describe('RunLock', () => {
  it('writes the owner (pid, host, start time) and removes the file on release', () => {
    const dir = tmp();
    const lock = RunLock.acquire(dir);
    const owner = JSON.parse(fs.readFileSync(path.join(dir, RUN_LOCK_FILE), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: os.hostname() });
    expect(Number.isNaN(Date.parse(owner.startedAt))).toBe(false);
    lock.release();
    lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses a second writer in the same process, naming the pid', () => {
    const dir = tmp();
    const lock = RunLock.acquire(dir);
    try {
      expect(() => RunLock.acquire(dir)).toThrow(ConfigError);
      expect(() => RunLock.acquire(dir)).toThrow(new RegExp(`in use by process ${process.pid} on `));
    } finally {
      lock.release();
    }
  });

  it('does not remove a lock it does not hold', () => {
    const dir = tmp();
    const lock = RunLock.acquire(dir);
    const file = path.join(dir, RUN_LOCK_FILE);
    const other = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), token: 'someone-else' };
    fs.writeFileSync(file, JSON.stringify(other));
    lock.release();
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).token).toBe('someone-else');
    fs.rmSync(file);
  });

  it('refuses an unreadable lock file rather than guessing', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, RUN_LOCK_FILE), 'garbage');
    expect(() => RunLock.acquire(dir)).toThrow(/cannot be read; if no kt process is using this run, delete that file/);
  });

  it('names a missing run directory', () => {
    expect(() => RunLock.acquire(path.join(tmp(), 'nope'))).toThrow(/run directory not found: .*nope/);
  });

  it('a lock held by another live process is refused with its pid; once that process is killed it is taken over with a warning', async () => {
    const dir = tmp();
    const holder = await child(['lock', dir]);
    holder.send('go');
    expect((await goResult(holder)).result).toMatchObject({ ok: true, pid: holder.pid });

    const second = await child(['lock', dir]);
    second.send('go');
    const refused = (await goResult(second)).result;
    expect(refused['ok']).toBe(false);
    expect(refused['exitCode']).toBe(2);
    expect(String(refused['error'])).toMatch(new RegExp(`run .* is in use by process ${holder.pid} on ${os.hostname()}`));
    expect(() => RunLock.acquire(dir)).toThrow(new RegExp(`in use by process ${holder.pid}`));
    expect(() => RunLock.assertFree(dir)).toThrow(new RegExp(`in use by process ${holder.pid}`));
    expect(RunLock.isHeld(dir)).toBe(true);

    holder.send('kill');
    await holder.exited;
    expect(isProcessAlive(holder.pid)).toBe(false);
    expect(() => RunLock.assertFree(dir)).not.toThrow();
    expect(RunLock.isHeld(dir)).toBe(false); // its lock file is still there, but its process is gone
    const log = createMemoryLogger();
    const lock = RunLock.acquire(dir, log);
    expect(log.lines).toEqual([expect.stringMatching(new RegExp(`^warning: took over the lock of run .*: its owner, process ${holder.pid} .* is no longer running$`))]);
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
  });

  it('is released when its process exits without releasing it', async () => {
    const dir = tmp();
    const c = await child(['lock', dir]);
    c.send('go');
    expect((await goResult(c)).result['ok']).toBe(true);
    expect(fs.existsSync(path.join(dir, RUN_LOCK_FILE))).toBe(true);
    c.send('exit');
    expect((await c.exited).code).toBe(0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('of several processes taking over one stale lock at once, exactly one wins and the others name it', async () => {
    const dir = tmp();
    const stale = { pid: await deadPid(), host: os.hostname(), startedAt: new Date().toISOString(), token: 'stale' };
    fs.writeFileSync(path.join(dir, RUN_LOCK_FILE), JSON.stringify(stale));
    const racers = await Promise.all(Array.from({ length: 6 }, () => child(['lock', dir])));
    for (const r of racers) r.send('go');
    const results = await Promise.all(racers.map(goResult));
    const winners = results.filter((r) => r.result['ok'] === true);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.result['pid'];
    expect(winners[0]!.warnings).toEqual([expect.stringContaining(`process ${stale.pid} `)]);
    for (const r of results.filter((x) => x.result['ok'] !== true)) {
      expect(String(r.result['error'])).toContain(`in use by process ${String(winner)} `);
    }
  });
});
