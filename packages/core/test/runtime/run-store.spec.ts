import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureDir } from '../../src/runtime/ensure-dir';
import { ConfigError } from '../../src/runtime/errors';
import { createRunDir } from '../../src/runtime/run-store';
import { RUN_LOCK_FILE } from '../../src/runtime/run-lock';
import { startChild, type Child } from './fixtures/children';

const created: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-store-'));
  created.push(dir);
  return dir;
}
afterEach(() => jest.restoreAllMocks());
afterAll(() => {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const NOW = new Date(2026, 0, 2, 3, 4, 5);
const STEM = '20260102-030405-exp';

describe('createRunDir', () => {
  it('creates <stamp>-<name> with checkpoints/ and artifacts/, then -2, -3 for the same second', () => {
    const out = path.join(tmp(), 'a', 'b');
    const dirs = [createRunDir(out, 'exp', NOW), createRunDir(out, 'exp', NOW), createRunDir(out, 'exp', NOW)];
    expect(dirs.map((d) => path.basename(d))).toEqual([STEM, `${STEM}-2`, `${STEM}-3`]);
    for (const d of dirs) expect(fs.readdirSync(d).sort()).toEqual(['artifacts', 'checkpoints']);
  });

  it('never hands out a directory that another process created after it was checked', () => {
    const out = tmp();
    fs.mkdirSync(path.join(out, STEM));
    // The other process's mkdir lands between an existence check and our mkdir: existsSync says
    // "free" although the directory is there. The module is loaded after the spy is in place,
    // because the compiled `import * as fs` copies the fs functions when it is first required.
    // (The test's own `fs` is such a copy too: spy on the module object itself.)
    jest.spyOn(require('fs') as typeof fs, 'existsSync').mockReturnValue(false);
    let fresh: typeof import('../../src/runtime/run-store') | undefined;
    jest.isolateModules(() => {
        fresh = require('../../src/runtime/run-store') as typeof import('../../src/runtime/run-store');
    });
    expect(path.basename(fresh!.createRunDir(out, 'exp', NOW))).toBe(`${STEM}-2`);
  });

  it('gives each of many processes started in the same second its own directory', async () => {
    const out = path.join(tmp(), 'runs');
    const n = 8;
    const children: Child[] = await Promise.all(Array.from({ length: n }, () => startChild(['create', out, 'exp', NOW.toISOString()])));
    try {
      for (const c of children) c.send('go');
      const results = await Promise.all(children.map((c) => c.next()));
      expect(results.map((r) => r['error'])).toEqual(Array(n).fill(undefined));
      const dirs = results.map((r) => String(r['runDir']));
      expect(new Set(dirs).size).toBe(n);
      expect(dirs.map((d) => path.basename(d)).sort()).toEqual([STEM, ...Array.from({ length: n - 1 }, (_, i) => `${STEM}-${i + 2}`)].sort());
      for (const r of results) expect(JSON.parse(fs.readFileSync(path.join(String(r['runDir']), RUN_LOCK_FILE), 'utf8')).pid).toBe(r['pid']);
    } finally {
      for (const c of children) c.send('exit');
      await Promise.all(children.map((c) => c.exited));
    }
    for (const d of fs.readdirSync(out)) expect(fs.existsSync(path.join(out, d, RUN_LOCK_FILE))).toBe(false);
  });

  it('fails fast, naming the directory, where mkdir -p would spin forever (/proc)', () => {
    if (!fs.existsSync('/proc/self')) return; // Linux only: /proc answers ENOENT to mkdir
    const started = Date.now();
    expect(() => createRunDir('/proc/ktout', 'exp', NOW)).toThrow(ConfigError);
    expect(() => createRunDir('/proc/ktout/deeper', 'exp', NOW)).toThrow(/output directory \/proc\/ktout\/deeper cannot be written: ENOENT/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('names a path through a file', () => {
    const file = path.join(tmp(), 'a-file');
    fs.writeFileSync(file, 'x');
    expect(() => createRunDir(path.join(file, 'runs'), 'exp', NOW)).toThrow(/output directory .*a-file\/runs cannot be written: ENOTDIR/);
  });
});

describe('ensureDir', () => {
  it('creates every missing level and accepts existing ones', () => {
    const base = tmp();
    ensureDir(path.join(base, 'x', 'y', 'z'));
    ensureDir(path.join(base, 'x', 'y', 'z'));
    expect(fs.statSync(path.join(base, 'x', 'y', 'z')).isDirectory()).toBe(true);
  });
});
