import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, ConfigError, createMemoryLogger, readSummary } from '@kt/core';
import { compareCommand, CompareOptionsSchema, formatCompareTable } from '../../src/commands/compare-command';
import { formatRunResult, runCommand, RunOptionsSchema, type RunResult } from '../../src/commands/run-command';
import { formatRuns, runsCommand } from '../../src/commands/runs-command';
import { formatShowReport, showCommand, ShowOptionsSchema } from '../../src/commands/show-command';
import { PluginCatalog } from '../../src/plugin-catalog';
import { snapshotTree, removeTmpDirs, tmpDir, writeToyConfig } from '../helpers';

afterAll(removeTmpDirs);

const catalog = PluginCatalog.empty(require);
const runOptions = (o: Record<string, unknown> = {}) => RunOptionsSchema.parse(o);

/** A shouldStop that turns true after `n` polls (the trainer polls once per step). */
function stopAfter(n: number): () => boolean {
  let polls = 0;
  return () => ++polls > n;
}

describe('runCommand and the run inspection commands', () => {
  const work = tmpDir();
  const out = path.join(work, 'runs');
  const config = writeToyConfig(work);
  let first: RunResult;
  let interrupted: RunResult;

  it('trains the toy experiment into a run directory and prints its metrics', async () => {
    const log = createMemoryLogger();
    first = await runCommand(config, runOptions({ out }), { catalog, cwd: work, env: {}, log });
    expect(path.dirname(first.runDir)).toBe(out);
    expect(first.summary.status).toBe('completed');
    expect(first.summary.steps).toBe(20);
    expect(first.backend.name).toBe('cpu'); // from the config's backend
    expect(log.lines.some((l) => /^checkpoint: step 10 -> .*step-00000010$/.test(l))).toBe(true);
    const text = formatRunResult(first);
    expect(text).toContain(`run directory: ${first.runDir}`);
    expect(text).toMatch(/status: completed, 20\/20 steps/);
    expect(text).toMatch(/divergence +\S+ +\S+/);
    expect(first.summary.test!['divergence']).toBeGreaterThanOrEqual(-1e-6);
    expect(first.summary.test!['agreement']).toBeGreaterThan(0.5);
  });

  it('honours --set and stops cleanly when asked, leaving an interrupted run', async () => {
    interrupted = await runCommand(config, runOptions({ out, set: ['train.steps=40', 'train.lr=0.02'] }), {
      catalog,
      cwd: work,
      env: {},
      log: createMemoryLogger(),
      shouldStop: stopAfter(13),
    });
    expect(interrupted.summary.status).toBe('interrupted');
    expect(interrupted.summary.steps).toBe(13);
    expect(interrupted.summary.totalSteps).toBe(40);
    expect(formatRunResult(interrupted)).toContain(`continue with: kt run --resume ${interrupted.runDir}`);
    const saved = JSON.parse(fs.readFileSync(path.join(interrupted.runDir, 'config.json'), 'utf8'));
    expect(saved.train.lr).toBe(0.02);
  });

  it('refuses to resume from a corrupted checkpoint without changing anything', async () => {
    const copy = path.join(work, 'corrupt-copy');
    fs.cpSync(interrupted.runDir, copy, { recursive: true });
    const ck = path.join(copy, 'checkpoints', 'step-00000013', 'learner.bin');
    const bytes = fs.readFileSync(ck);
    bytes[0] = bytes[0]! ^ 0xff;
    fs.writeFileSync(ck, bytes);
    const before = snapshotTree(copy);
    const run = runCommand(undefined, runOptions({ resume: copy }), { catalog, cwd: work, env: {}, log: createMemoryLogger() });
    await expect(run).rejects.toThrow(CheckpointError);
    await expect(runCommand(undefined, runOptions({ resume: copy }), { catalog, cwd: work, env: {}, log: createMemoryLogger() })).rejects.toThrow(
      /learner\.bin is corrupted \(checksum mismatch\)/,
    );
    expect(snapshotTree(copy)).toEqual(before);
  });

  it('refuses a checkpoint of another experiment, and a CONFIG that differs from the run', async () => {
    const copy = path.join(work, 'foreign-copy');
    fs.cpSync(interrupted.runDir, copy, { recursive: true });
    const target = path.join(copy, 'checkpoints', 'step-00000013');
    fs.rmSync(target, { recursive: true });
    fs.cpSync(path.join(first.runDir, 'checkpoints', 'step-00000020'), target, { recursive: true });
    const before = snapshotTree(copy);
    await expect(runCommand(undefined, runOptions({ resume: copy }), { catalog, cwd: work, env: {}, log: createMemoryLogger() })).rejects.toThrow(
      /belongs to a different experiment/,
    );
    expect(snapshotTree(copy)).toEqual(before);
    await expect(runCommand(config, runOptions({ resume: interrupted.runDir }), { catalog, cwd: work, env: {}, log: createMemoryLogger() })).rejects.toThrow(
      /does not match the config of run .*; differing fields: train\.lr, train\.steps/,
    );
  });

  it('resumes the interrupted run to the same result as an uninterrupted run', async () => {
    const resumed = await runCommand(undefined, runOptions({ resume: interrupted.runDir }), { catalog, cwd: work, env: {}, log: createMemoryLogger() });
    expect(resumed.resumed).toBe(true);
    expect(resumed.runDir).toBe(interrupted.runDir);
    expect(resumed.summary.status).toBe('completed');
    expect(resumed.summary.steps).toBe(40);
    const before = tf.memory().numTensors;
    const straight = await runCommand(config, runOptions({ out: path.join(work, 'straight'), set: ['train.steps=40', 'train.lr=0.02'] }), {
      catalog,
      cwd: work,
      env: {},
      log: createMemoryLogger(),
    });
    expect(tf.memory().numTensors).toBe(before);
    for (const [k, v] of Object.entries(straight.summary.test!)) expect(resumed.summary.test![k]).toBeCloseTo(v, 6);
    await expect(runCommand(undefined, runOptions({ resume: interrupted.runDir }), { catalog, cwd: work, env: {}, log: createMemoryLogger() })).rejects.toThrow(
      /already finished \(completed\)/,
    );
  });

  it('lists, shows and compares the runs', () => {
    const rows = runsCommand('runs', work);
    expect(rows.map((r) => r.id)).toEqual([path.basename(first.runDir), path.basename(interrupted.runDir)]);
    expect(rows.every((r) => r.pluginTask === 'toy/kd' && r.status === 'completed' && r.metricsSplit === 'test')).toBe(true);
    expect(rows.map((r) => r.steps)).toEqual(['20/20', '40/40']);
    const table = formatRuns(rows, 'runs');
    expect(table.split('\n')[0]).toMatch(/^run +plugin\/task +status +steps +metrics +started$/);
    expect(table).toMatch(/toy\/kd +completed +20\/20 +test divergence=/);

    const shown = showCommand(path.basename(first.runDir), ShowOptionsSchema.parse({ dir: out, lines: 3 }), work);
    expect(shown.run.dir).toBe(first.runDir);
    expect(shown.lastMetrics).toHaveLength(3);
    expect(shown.lastMetrics.at(-1)).toMatchObject({ step: 20, split: 'test' });
    const text = formatShowReport(shown);
    expect(text).toMatch(/plugin\/task: toy\/kd {2}status: completed/);
    expect(text).toContain('"divergence": "backward"');
    expect(text).toMatch(/step 20 test: divergence \S+ agreement \S+/);

    const cmp = compareCommand([first.runDir, path.basename(interrupted.runDir)], CompareOptionsSchema.parse({ dir: out }), work);
    expect(cmp.runs).toEqual([path.basename(first.runDir), path.basename(interrupted.runDir)]);
    const row = (label: string) => cmp.rows.find((r) => r[0] === label);
    expect(row('steps')).toEqual(['steps', '20/20', '40/40']);
    expect(row('train.lr')).toEqual(['train.lr', '0.0500', '0.0200']);
    expect(row('test.divergence')).toHaveLength(3);
    expect(row('val.agreement')).toHaveLength(3);
    expect(formatCompareTable(cmp).split('\n')[0]).toContain(path.basename(interrupted.runDir));
  });

  it("kt show prints the warnings a run recorded (e.g. a loss that diverged)", () => {
    const copy = path.join(work, 'warned');
    fs.cpSync(first.runDir, copy, { recursive: true });
    const summary = { ...readSummary(copy)!, warnings: ['the training loss is diverging: …'] };
    fs.writeFileSync(path.join(copy, 'summary.json'), JSON.stringify(summary));
    expect(formatShowReport(showCommand(copy, ShowOptionsSchema.parse({}), work))).toMatch(/^warning: the training loss is diverging: …$/m);
    expect(formatShowReport(showCommand(first.runDir, ShowOptionsSchema.parse({}), work))).not.toContain('warning:');
  });

  it('kt show names the teacher runs a KD run was taught by', () => {
    const copy = path.join(work, 'taught');
    fs.cpSync(first.runDir, copy, { recursive: true });
    const summary = {
      ...readSummary(copy)!,
      teachers: [
        { runDir: '/cache/teachers/toy-abc', key: 'abc', fromCache: true, seconds: 0.2 },
        { runDir: '/cache/teachers/toy-def', key: 'def', fromCache: false, seconds: 95 },
      ],
    };
    fs.writeFileSync(path.join(copy, 'summary.json'), JSON.stringify(summary));
    const shown = formatShowReport(showCommand(copy, ShowOptionsSchema.parse({}), work));
    expect(shown).toMatch(/^teacher: \/cache\/teachers\/toy-abc \(reused from the cache\)$/m);
    expect(shown).toMatch(/^teacher: \/cache\/teachers\/toy-def \(trained for this run in 1m35s, part of the total\)$/m);
  });

  it('a run whose summary says running is running only while a live process holds its lock; else it was killed', () => {
    const copy = path.join(work, 'killed', 'run');
    fs.cpSync(first.runDir, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'summary.json'), JSON.stringify({ ...readSummary(copy)!, status: 'running', steps: 0, totalSteps: 0, test: undefined, val: undefined }));
    const lock = (pid: number) =>
      fs.writeFileSync(path.join(copy, 'run.lock'), JSON.stringify({ pid, host: os.hostname(), startedAt: new Date().toISOString(), token: 'abc' }));
    const row = () => runsCommand(path.dirname(copy), work)[0]!;
    const shown = () => formatShowReport(showCommand(copy, ShowOptionsSchema.parse({}), work));

    lock(process.pid); // a live holder: its last logged step of the planned 20
    expect([row().status, row().steps]).toEqual(['running', '20/20']);
    expect(shown()).not.toContain('resume:');

    const gone = spawnSync(process.execPath, ['-e', '']).pid!; // a pid whose process has exited
    lock(gone);
    expect([row().status, row().steps]).toEqual(['killed', '20/20']); // the checkpoint's step
    expect(shown()).toMatch(/status: killed \(its summary says running, but no process holds the run/);
    expect(shown()).toContain(`resume: kt run --resume ${copy}  (continues from the checkpoint at step 20)`);
    expect(compareCommand([copy], CompareOptionsSchema.parse({}), work).rows.find((r) => r[0] === 'status')).toEqual(['status', 'killed']);

    fs.rmSync(path.join(copy, 'run.lock')); // no lock at all, and no checkpoint: nothing to resume
    fs.rmSync(path.join(copy, 'checkpoints'), { recursive: true });
    expect([row().status, row().steps]).toEqual(['killed', '0/20']);
    expect(shown()).toContain('resume: no checkpoint was written; start the run again');
  });

  it('gives clear errors for unknown runs and directories', () => {
    expect(() => runsCommand('nowhere', work)).toThrow(/runs directory not found/);
    expect(() => showCommand('nope', ShowOptionsSchema.parse({ dir: out }), work)).toThrow(/run not found: nope/);
    expect(() => compareCommand(['toy'], CompareOptionsSchema.parse({ dir: out }), work)).toThrow(/matches 2 runs/);
  });

  it('needs a CONFIG or --resume, and an output directory it can write', async () => {
    const deps = { catalog, cwd: work, env: {}, log: createMemoryLogger() };
    await expect(runCommand(undefined, runOptions(), deps)).rejects.toThrow(ConfigError);
    const file = path.join(work, 'a-file');
    fs.writeFileSync(file, 'x');
    await expect(runCommand(config, runOptions({ out: path.join(file, 'sub') }), deps)).rejects.toThrow(/output directory .* cannot be written/);
    expect(readSummary(first.runDir)?.status).toBe('completed');
  });
});
