import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { kt, snapshotTree, removeTmpDirs, tmpDir, TOY_CONFIG, TOY_PLUGIN_DIR, type SpawnResult } from './helpers';

afterAll(removeTmpDirs);

// End-to-end: `node bin/kt.js` (the built CLI) as a user runs it. KT_BACKEND=cpu for speed.
jest.setTimeout(60_000);

const STACK_LINE = /\n\s+at /;

describe('kt (spawned): bad inputs give a clear message and exit 2, without a stack trace', () => {
  const work = tmpDir('kt-spawn-');
  const bad = path.join(work, 'bad.yaml');
  fs.writeFileSync(bad, 'plugin: toy\ntask: kd\ntrain:\n  lr: [0.1\n  steps: 2\n');
  const unknownPlugin = path.join(work, 'unknown-plugin.yaml');
  fs.writeFileSync(unknownPlugin, `plugins: [${JSON.stringify(TOY_PLUGIN_DIR)}]\nplugin: tyo\ntask: kd\n`);
  const aFile = path.join(work, 'a-file');
  fs.writeFileSync(aFile, 'not a directory');
  const cases: Record<string, Promise<SpawnResult>> = {};
  const run = (name: string, args: string[], env?: Record<string, string | undefined>): void => {
    cases[name] = kt(args, { cwd: work, env });
  };

  beforeAll(() => {
    run('missing', ['run', 'missing.yaml']);
    run('missingDebug', ['run', 'missing.yaml', '--debug']);
    run('malformed', ['run', bad]);
    run('unknownPlugin', ['run', unknownPlugin]);
    run('unknownDivergence', ['run', TOY_CONFIG, '--set', 'transfer.divergence=sideways']);
    run('wrongTypes', ['validate', TOY_CONFIG, '--set', 'train.batchSize=abc', '--set', 'train.steps=1.5', '--set', 'data=3']);
    run('negativeLr', ['run', TOY_CONFIG, '--set', 'train.lr=-0.1']);
    run('unwritable', ['run', TOY_CONFIG, '--out', path.join(aFile, 'runs')]);
    run('nan', ['run', TOY_CONFIG, '--set', 'task=nan', '--quiet', '--out', path.join(work, 'nan-runs')]);
    run('version', ['--version']);
    run('plugins', ['plugins'], { KT_PLUGINS: `${TOY_PLUGIN_DIR},kt-plugin-not-installed` });
    run('validate', ['validate', TOY_CONFIG, '--set', 'train.lr=0.5', '--set', 'transfer.divergence=jsd']);
    run('unknownCommandHelp', ['no-such-command', '--help']);
    run('protoSet', ['run', TOY_CONFIG, '--set', '__proto__.x=1']);
  });

  it('missing config file', async () => {
    const r = await cases['missing']!;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: config file not found: missing.yaml');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).toBe('');
  });

  it('prints the stack trace with --debug', async () => {
    const r = await cases['missingDebug']!;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: config file not found: missing.yaml');
    expect(r.stderr).toMatch(/ConfigError: config file not found[^\n]*\n\s+at /);
  });

  it('malformed YAML: the message has the line and column', async () => {
    const r = await cases['malformed']!;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:5:\d+: malformed YAML: /);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('unknown plugin: lists the known ones', async () => {
    const r = await cases['unknownPlugin']!;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/- plugin: unknown plugin "tyo"; known plugins: (\S+, )*toy\b/);
  });

  it('unknown divergence: lists the known ones', async () => {
    const r = await cases['unknownDivergence']!;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/- transfer\.divergence: Invalid option: expected one of "forward"\|"backward"\|"jsd"\|"tvd"/);
  });

  it('wrong types: every bad field by its path', async () => {
    const r = await cases['wrongTypes']!;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('- train.batchSize: Invalid input: expected number, received string');
    expect(r.stderr).toMatch(/- train\.steps: Invalid input: expected int/);
    expect(r.stderr).toMatch(/- data: Invalid input: expected object, received number/);
  });

  it('negative learning rate', async () => {
    const r = await cases['negativeLr']!;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('- train.lr: Too small: expected number to be >0');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('an output directory that cannot be written', async () => {
    const r = await cases['unwritable']!;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: output directory .*a-file\/runs cannot be written: ENOTDIR/);
  });

  it('a run whose loss turns NaN fails with exit 1 and a failed summary', async () => {
    const r = await cases['nan']!;
    expect(r.code).toBe(1);
    // Steps are counted from 1 everywhere a user reads them: the toy loss is NaN from its sixth step.
    expect(r.stderr).toContain('error: loss is NaN at step 6;');
    const runs = fs.readdirSync(path.join(work, 'nan-runs')).filter((d) => !d.startsWith('.'));
    const summary = JSON.parse(fs.readFileSync(path.join(work, 'nan-runs', runs[0]!, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('failed');
  });

  it('an output directory under /proc fails at once with exit 2 naming it (no endless mkdir)', async () => {
    // mkdir -p under /proc used to spin at 100 % CPU forever, deaf to SIGTERM (the helper SIGKILLs it
    // after its timeout). Spawned one at a time, after the batch above, so load cannot eat the time.
    await Promise.all(Object.values(cases));
    for (const [args, dir] of [
      [['--out', '/proc/ktout'], '/proc/ktout'],
      [['--set', 'output.dir=/proc/ktout/runs'], '/proc/ktout/runs'],
    ] as const) {
      const r = await kt(['run', TOY_CONFIG, ...args], { cwd: work, timeoutMs: 45_000 });
      expect({ args, code: r.code, signal: r.signal }).toEqual({ args, code: 2, signal: null });
      expect(r.stderr).toContain(`error: output directory ${dir} cannot be written: ENOENT`);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('an unknown command is exit 2 even with --help; --set __proto__ is exit 2 naming the flag', async () => {
    const unknown = await cases['unknownCommandHelp']!;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'no-such-command'");
    expect(unknown.stdout).toBe('');
    const proto = await cases['protoSet']!;
    expect(proto.code).toBe(2);
    expect(proto.stderr).toBe('error: --set __proto__.x=1: "__proto__" cannot be a config key (no config field has that name)\n');
  });

  it('kt --version', async () => {
    const r = await cases['version']!;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('0.1.0\n');
  });

  it('kt plugins: lists a third-party plugin from KT_PLUGINS and warns about one that is missing', async () => {
    const r = await cases['plugins']!;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^name +version +package +tasks +description$/m);
    expect(r.stdout).toMatch(/^toy +1\.2\.3 +kt-plugin-toy +kd, nan +toy linear-softmax/m);
    expect(r.stderr).toMatch(/warning: could not load plugin package kt-plugin-not-installed \(env\): cannot load plugin package/);
  });

  it('kt validate applies --set overrides', async () => {
    const r = await cases['validate']!;
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('ok: toy/kd');
    const resolved = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(resolved.train.lr).toBe(0.5);
    expect(resolved.transfer.divergence).toBe('jsd');
    expect(resolved.transfer.temperature).toBe(1);
  });
});

const runDirOf = (text: string): string => /^run directory: (.+)$/m.exec(text)![1]!;

describe('kt (spawned): run, runs, show, compare', () => {
  const work = tmpDir('kt-spawn-run-');
  const out = path.join(work, 'runs');
  let first: SpawnResult;
  let second: SpawnResult;

  beforeAll(async () => {
    // Two runs started at the same moment (same name, same second, very likely): each gets its own directory.
    [first, second] = await Promise.all([
      kt(['run', TOY_CONFIG, '--set', 'train.steps=20', '--out', out], { cwd: work }),
      kt(['run', TOY_CONFIG, '--set', 'train.steps=30', '--out', out], { cwd: work }),
    ]);
  });

  it('kt run trains the toy config (plugin loaded by path) with a --set override', () => {
    expect(first.code).toBe(0);
    const dir = runDirOf(first.stdout);
    expect(path.dirname(dir)).toBe(out);
    expect(first.stdout).toMatch(/status: completed, 20\/20 steps/);
    expect(first.stdout).toMatch(/^metric +val +test$/m);
    expect(first.stdout).toMatch(/^divergence +-?\d\.\d+(e-\d+)? +-?\d\.\d+(e-\d+)?$/m);
    expect(first.stderr).toContain('kt backend: cpu');
    expect(first.stderr).not.toContain('Hi, looks like');
    expect(first.stderr).not.toContain('warning:');
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(saved.train.steps).toBe(20);
    expect(fs.existsSync(path.join(dir, 'run.lock'))).toBe(false);
  });

  it('two runs started together each get their own directory', () => {
    expect(second.code).toBe(0);
    expect(runDirOf(second.stdout)).not.toBe(runDirOf(first.stdout));
    expect(second.stdout).toMatch(/status: completed, 30\/30 steps/);
  });

  it('kt runs and kt show read a run back', async () => {
    const dir = runDirOf(first.stdout);
    const runs = await kt(['runs', 'runs'], { cwd: work });
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`^${path.basename(dir)} +toy/kd +completed +20/20 +test divergence=`, 'm'));
    const show = await kt(['show', path.basename(dir)], { cwd: work });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`run: ${dir}`);
    expect(show.stdout).toContain('"divergence": "backward"');
    expect(show.stdout).toMatch(/step 20 test: divergence/);
  });

  it('kt compare puts the runs side by side', async () => {
    const [a, b] = [runDirOf(first.stdout), runDirOf(second.stdout)];
    const r = await kt(['compare', a, b], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^ +${path.basename(a)} +${path.basename(b)}$`));
    expect(r.stdout).toMatch(/^steps +20\/20 +30\/30$/m);
    expect(r.stdout).toMatch(/^val\.divergence +\S+ +\S+$/m);
    expect(r.stdout).toMatch(/^test\.agreement +\S+ +\S+$/m);
  });
});

/**
 * Nothing here waits on the clock: every run has a million steps, so it cannot end before the
 * signal it is sent, and every signal is sent on a line the child prints (its run directory, its
 * first checkpoint). Each test's runs are made in beforeAll, so no test depends on another.
 */
describe('kt (spawned): interrupt, one writer per run, resume', () => {
  const work = tmpDir('kt-spawn-int-');
  const out = path.join(work, 'runs');
  const ENDLESS = ['--set', 'train.steps=1000000', '--out', out];
  const FIRST_CHECKPOINT = /checkpoint: step 10 ->/;
  let interrupted: SpawnResult & { pid: number };
  let secondWriter: SpawnResult;
  let finished: SpawnResult;

  /** Runs `kt args`; when stderr first matches `when`, calls `then(child, stderr)` once. */
  function ktUntil(args: string[], when: RegExp, then: (child: ChildProcess, stderr: string) => void): Promise<SpawnResult & { pid: number; fired: boolean }> {
    let fired = false;
    let pid = 0;
    return kt(args, {
      cwd: work,
      onStderr: (stderr, child) => {
        pid = child.pid!;
        if (!fired && when.test(stderr)) {
          fired = true;
          then(child, stderr);
        }
      },
    }).then((r) => ({ ...r, pid, fired }));
  }

  beforeAll(async () => {
    let second: Promise<SpawnResult> | undefined;
    const interruptedRun = ktUntil(['run', TOY_CONFIG, ...ENDLESS], FIRST_CHECKPOINT, (child, stderr) => {
      // While the first process is training (it cannot have finished), a second one resumes its run.
      second = kt(['run', '--resume', runDirOf(stderr)], { cwd: work }).then((r) => {
        child.kill('SIGINT');
        return r;
      });
    });
    [interrupted, finished] = await Promise.all([interruptedRun, kt(['run', TOY_CONFIG, '--set', 'train.steps=20', '--out', out], { cwd: work })]);
    secondWriter = await second!;
  });

  it('SIGINT checkpoints and stops (exit 130, status interrupted)', () => {
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('SIGINT: stopping after this step, checkpointing; press Ctrl-C again to abort');
    const dir = runDirOf(interrupted.stdout);
    expect(interrupted.stdout).toContain(`continue with: kt run --resume ${dir}`);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('interrupted');
    expect(summary.steps).toBeGreaterThanOrEqual(10);
    expect(summary.steps).toBeLessThan(1_000_000);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', 'latest.json'), 'utf8')).step).toBe(summary.steps);
    expect(fs.existsSync(path.join(dir, 'run.lock'))).toBe(false);
  });

  it('a second writer on a run that is still training gets exit 2 naming the pid, and changes nothing', () => {
    expect(secondWriter.code).toBe(2);
    expect(secondWriter.stderr).toMatch(new RegExp(`^error: run .* is in use by process ${interrupted.pid} on \\S+ \\(since [^)]+\\); wait for it to end or stop it`, 'm'));
    expect(secondWriter.stderr).not.toMatch(STACK_LINE);
    const lines = fs.readFileSync(path.join(runDirOf(interrupted.stdout), 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const trainSteps = lines.filter((l) => l.split === 'train').map((l) => l.step);
    expect(new Set(trainSteps).size).toBe(trainSteps.length);
    expect(trainSteps).toEqual([...trainSteps].sort((a, b) => a - b));
  });

  it('refuses to resume from a corrupted checkpoint: exit 2, nothing overwritten', async () => {
    const copy = path.join(work, 'corrupted');
    fs.cpSync(runDirOf(interrupted.stdout), copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'checkpoints', 'latest.json'), '{"checkpoint": "step-000');
    const before = snapshotTree(copy);
    const r = await kt(['run', '--resume', copy], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: .*latest\.json is corrupted/);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(snapshotTree(copy)).toEqual(before);
  });

  it('refuses to resume from a checkpoint of another experiment: exit 2, nothing overwritten', async () => {
    const copy = path.join(work, 'foreign');
    fs.cpSync(runDirOf(interrupted.stdout), copy, { recursive: true });
    const latest = JSON.parse(fs.readFileSync(path.join(copy, 'checkpoints', 'latest.json'), 'utf8')).checkpoint as string;
    fs.rmSync(path.join(copy, 'checkpoints', latest), { recursive: true });
    fs.cpSync(path.join(runDirOf(finished.stdout), 'checkpoints', 'step-00000020'), path.join(copy, 'checkpoints', latest), { recursive: true });
    const before = snapshotTree(copy);
    const r = await kt(['run', '--resume', copy], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: checkpoint .* belongs to a different experiment/);
    expect(snapshotTree(copy)).toEqual(before);
  });

  it('kt run --resume of a SIGKILLed run takes over its lock, removes its temp entries and continues from its checkpoint', async () => {
    const killed = await ktUntil(['run', TOY_CONFIG, ...ENDLESS], FIRST_CHECKPOINT, (child) => child.kill('SIGKILL'));
    expect(killed.signal).toBe('SIGKILL');
    const dir = runDirOf(killed.stderr);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'run.lock'), 'utf8')).pid).toBe(killed.pid);
    // What a kill in the middle of writing a checkpoint leaves behind.
    const temp = path.join(dir, 'checkpoints', `.step-00000020.tmp-${killed.pid}-7`);
    fs.mkdirSync(temp);
    fs.writeFileSync(path.join(temp, 'learner.bin'), Buffer.alloc(4096));
    const done = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', 'latest.json'), 'utf8')).step as number;

    const resumed = await ktUntil(['run', '--resume', dir], /resumed from [^\n]*\n(.|\n)*checkpoint: step \d+ ->/, (child) => child.kill('SIGINT'));
    expect(resumed.code).toBe(130);
    expect(resumed.stderr).toMatch(new RegExp(`warning: took over the lock of run .*: its owner, process ${killed.pid} .* is no longer running`));
    expect(resumed.stderr).toContain(`warning: removed 1 temp entry left by a killed run: ${path.join('checkpoints', path.basename(temp))}`);
    expect(resumed.stderr).toContain(`resumed from ${path.join(dir, 'checkpoints', `step-${String(done).padStart(8, '0')}`)} after step ${done}; continuing with step ${done + 1}`);
    expect(fs.existsSync(temp)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'run.lock'))).toBe(false);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('interrupted');
    expect(summary.steps).toBeGreaterThan(done);
  });
});
