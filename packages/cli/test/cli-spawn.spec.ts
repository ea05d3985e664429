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
    expect(r.stderr).toContain('error: loss is NaN at step 5');
    const runs = fs.readdirSync(path.join(work, 'nan-runs')).filter((d) => !d.startsWith('.'));
    const summary = JSON.parse(fs.readFileSync(path.join(work, 'nan-runs', runs[0]!, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('failed');
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

describe('kt (spawned): run, runs, show, interrupt, resume, compare', () => {
  const work = tmpDir('kt-spawn-run-');
  const out = path.join(work, 'runs');
  let firstDir = '';
  let longDir = '';

  const runDirOf = (stdout: string): string => /^run directory: (.+)$/m.exec(stdout)![1]!;

  it('kt run trains the toy config (plugin loaded by path) with a --set override', async () => {
    const r = await kt(['run', TOY_CONFIG, '--set', 'train.steps=20', '--out', out], { cwd: work });
    expect(r.code).toBe(0);
    firstDir = runDirOf(r.stdout);
    expect(path.dirname(firstDir)).toBe(out);
    expect(r.stdout).toMatch(/status: completed, 20\/20 steps/);
    expect(r.stdout).toMatch(/^metric +val +test$/m);
    expect(r.stdout).toMatch(/^divergence +-?\d\.\d+(e-\d+)? +-?\d\.\d+(e-\d+)?$/m);
    expect(r.stderr).toContain('kt backend: cpu');
    expect(r.stderr).not.toContain('Hi, looks like');
    const saved = JSON.parse(fs.readFileSync(path.join(firstDir, 'config.json'), 'utf8'));
    expect(saved.train.steps).toBe(20);
  });

  it('kt runs and kt show read it back', async () => {
    const runs = await kt(['runs', 'runs'], { cwd: work });
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`^${path.basename(firstDir)} +toy/kd +completed +20/20 +test divergence=`, 'm'));
    const show = await kt(['show', path.basename(firstDir)], { cwd: work });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`run: ${firstDir}`);
    expect(show.stdout).toContain('"divergence": "backward"');
    expect(show.stdout).toMatch(/step 20 test: divergence/);
  });

  it('SIGINT checkpoints and stops (exit 130, status interrupted)', async () => {
    let sent = false;
    const r = await kt(['run', TOY_CONFIG, '--set', 'train.steps=40', '--set', 'data.stepDelayMs=40', '--out', out], {
      cwd: work,
      onStderr: (stderr, child) => {
        if (!sent && /checkpoint: step \d+ ->/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('SIGINT: stopping after this step, checkpointing; press Ctrl-C again to abort');
    longDir = runDirOf(r.stdout);
    expect(r.stdout).toContain(`continue with: kt run --resume ${longDir}`);
    const summary = JSON.parse(fs.readFileSync(path.join(longDir, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('interrupted');
    expect(summary.steps).toBeGreaterThanOrEqual(10);
    expect(summary.steps).toBeLessThan(40);
  });

  it('refuses to resume from a corrupted checkpoint: exit 2, nothing overwritten', async () => {
    const copy = path.join(work, 'corrupted');
    fs.cpSync(longDir, copy, { recursive: true });
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
    fs.cpSync(longDir, copy, { recursive: true });
    const latest = JSON.parse(fs.readFileSync(path.join(copy, 'checkpoints', 'latest.json'), 'utf8')).checkpoint as string;
    fs.rmSync(path.join(copy, 'checkpoints', latest), { recursive: true });
    fs.cpSync(path.join(firstDir, 'checkpoints', 'step-00000020'), path.join(copy, 'checkpoints', latest), { recursive: true });
    const before = snapshotTree(copy);
    const r = await kt(['run', '--resume', copy], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: checkpoint .* belongs to a different experiment/);
    expect(snapshotTree(copy)).toEqual(before);
  });

  it('kt run --resume completes the interrupted run', async () => {
    const r = await kt(['run', '--resume', longDir], { cwd: work });
    expect(r.code).toBe(0);
    expect(runDirOf(r.stdout)).toBe(longDir);
    expect(r.stderr).toMatch(/resumed from .*step-\d{8} at step \d+/);
    expect(r.stdout).toMatch(/status: completed, 40\/40 steps/);
    const summary = JSON.parse(fs.readFileSync(path.join(longDir, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('completed');
    expect(Object.keys(summary.test)).toEqual(['divergence', 'agreement']);
  });

  it('kt compare puts the runs side by side', async () => {
    const r = await kt(['compare', firstDir, longDir], { cwd: work });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^ +${path.basename(firstDir)} +${path.basename(longDir)}$`));
    expect(r.stdout).toMatch(/^steps +20\/20 +40\/40$/m);
    expect(r.stdout).toMatch(/^val\.divergence +\S+ +\S+$/m);
    expect(r.stdout).toMatch(/^test\.agreement +\S+ +\S+$/m);
  });
});
