import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, createMemoryLogger, readSummary, resetProgress } from '@kt/core';
import { sweepCommand, SweepOptionsSchema, sweepStatus, type SweepDeps } from '../../src/commands/sweep-command';
import { readSweepManifest, writeSweepManifest } from '../../src/sweep/sweep-manifest';
import { expandGrid, findCell, parseGrid, planSweep } from '../../src/sweep/sweep-plan';
import { ktArgsFor, runPool, sweepJobs, sweepRunState } from '../../src/sweep/sweep-runner';
import { compareSweep } from '../../src/sweep/sweep-table';
import { removeTmpDirs, tmpDir, toyCatalog, writeToyConfig } from '../helpers';

afterAll(removeTmpDirs);
afterEach(resetProgress);

function deps(cwd: string, shouldStop?: () => boolean): SweepDeps & { log: ReturnType<typeof createMemoryLogger> } {
  const env = { ...process.env, KT_BACKEND: 'cpu', KT_PLUGINS: undefined, KT_DEBUG: undefined };
  return { catalog: toyCatalog(), cwd, env, log: createMemoryLogger(), shouldStop };
}

describe('sweep plan', () => {
  it('parses the grid and expands it, first axis slowest', () => {
    const axes = parseGrid(['transfer.divergence=forward,backward', 'train.lr=0.1,0.2']);
    expect(expandGrid(axes).map((c) => c.id)).toEqual([
      'transfer.divergence=forward,train.lr=0.1',
      'transfer.divergence=forward,train.lr=0.2',
      'transfer.divergence=backward,train.lr=0.1',
      'transfer.divergence=backward,train.lr=0.2',
    ]);
    expect(expandGrid([])).toEqual([{ id: 'base', overrides: [] }]);
  });

  it('rejects a malformed grid naming the flag', () => {
    expect(() => parseGrid(['lr'])).toThrow(/--grid lr: expected key=value1,value2/);
    expect(() => parseGrid(['a=1,,2'])).toThrow(/a value is empty/);
    expect(() => parseGrid(['a=1', 'a=2'])).toThrow(/given twice/);
    expect(() => parseGrid(['train.seed=1,2'])).toThrow(/--seeds N/);
  });

  it('finds the baseline by id or by key=value, and names the cells when it cannot', () => {
    const m = planSweep({ config: 'x.yaml', sets: [], grid: parseGrid(['a=1,2', 'b=x,y']), seeds: 2 });
    expect(findCell(m, 'a=1,b=y').id).toBe('a=1,b=y');
    expect(findCell(m, 'b=y,a=2').id).toBe('a=2,b=y');
    expect(() => findCell(m, 'a=1')).toThrow(/matches 2 cells/);
    expect(() => findCell(m, 'a=3')).toThrow(/matches no cell; cells: a=1,b=x; a=1,b=y/);
    expect(m.cells[0]!.runs).toEqual([
      { seed: 1, runDir: 'a=1_b=x__seed-1' },
      { seed: 2, runDir: 'a=1_b=x__seed-2' },
    ]);
  });

  it('resumes an interrupted run and starts a new one in its own directory with the teacher cache in the sweep', () => {
    const m = planSweep({ config: '/c.yaml', sets: ['train.steps=5'], grid: parseGrid(['a=1']), seeds: 1 });
    const job = sweepJobs('/s', m)[0]!;
    expect(ktArgsFor(m, '/s', job, 'pending')).toEqual(['run', '/c.yaml', '--set', 'train.steps=5', '--set', 'a=1', '--set', 'train.seed=1', '--run-dir', '/s/a=1__seed-1', '--out', '/s', '--quiet']);
    expect(ktArgsFor(m, '/s', job, 'resumable')).toEqual(['run', '--resume', '/s/a=1__seed-1', '--quiet']);
    expect(ktArgsFor(m, '/s', job, 'done')).toBeUndefined();
    expect(ktArgsFor(m, '/s', job, 'running')).toBeUndefined();
  });
});

describe('kt sweep (local pool)', () => {
  it('runs grid × seeds in parallel, compares with paired differences, skips completed runs when run again', async () => {
    const dir = tmpDir('kt-sweep-');
    const config = writeToyConfig(dir, { train: { steps: 12, batchSize: 16, lr: 0.05, seed: 3, evalEvery: 6, checkpointEvery: 6, logEvery: 6 } });
    const out = path.join(dir, 'sweep');
    const options = SweepOptionsSchema.parse({ grid: ['transfer.divergence=forward,backward'], seeds: '2', parallel: '2', baseline: 'transfer.divergence=forward', out });
    // Stop after the first run has been launched: the sweep is then continued by a second call.
    let launched = 0;
    const first = deps(dir, () => launched++ >= 1);
    const partial = await sweepCommand(config, { ...options, parallel: 1 }, first);
    expect(partial.pool).toMatchObject({ ran: 1, interrupted: true, failed: [] });
    const manifest = readSweepManifest(out);
    expect(manifest.baseline).toBe('transfer.divergence=forward');
    expect(sweepStatus(out, manifest).counts).toMatchObject({ done: 1, pending: 3 });

    const second = deps(dir);
    const result = await sweepCommand(config, options, second);
    expect(result.pool).toMatchObject({ ran: 3, skipped: 1, failed: [], interrupted: false });
    const jobs = sweepJobs(out, manifest);
    const summaries = jobs.map((j) => readSummary(j.runDir)!);
    expect(summaries.map((s) => s.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    // each run got its cell's divergence and its seed
    const configs = jobs.map((j) => JSON.parse(fs.readFileSync(path.join(j.runDir, 'config.json'), 'utf8')));
    expect(configs.map((c) => `${c.transfer.divergence}/${c.train.seed}`)).toEqual(['forward/1', 'forward/2', 'backward/1', 'backward/2']);

    const cmp = compareSweep(out, manifest);
    const metric = cmp.metrics[0]!;
    expect(cmp.headers).toEqual(['cell', 'runs', ...cmp.metrics.flatMap((m) => [m, `Δ ${m} vs baseline`])]);
    const key = metric.replace(/^test\./, '');
    const d1 = summaries[2]!.test![key]! - summaries[0]!.test![key]!;
    const d2 = summaries[3]!.test![key]! - summaries[1]!.test![key]!;
    const mean = (d1 + d2) / 2;
    const std = Math.abs(d1 - d2) / Math.SQRT2;
    expect(cmp.rows[0]!.slice(0, 2)).toEqual(['transfer.divergence=forward (baseline)', '2/2']);
    expect(cmp.rows[1]![3]).toMatch(/\(2 paired\)$/);
    const [m, s] = cmp.rows[1]![3]!.replace(/ \(2 paired\)$/, '').split(' ± ').map(Number);
    expect(m).toBeCloseTo(mean, 3);
    expect(s).toBeCloseTo(std, 3);
    expect(result.table).toContain('transfer.divergence=backward');

    const again = await sweepCommand(config, options, deps(dir));
    expect(again.pool).toMatchObject({ ran: 0, skipped: 4 });
    expect(jobs.map((j) => sweepRunState(j.runDir).state)).toEqual(['done', 'done', 'done', 'done']);
  }, 180_000);

  it('runs the first run alone (a shared teacher is trained once), then the others in parallel', async () => {
    const dir = tmpDir('kt-sweep-');
    const config = writeToyConfig(dir, { train: { steps: 6, batchSize: 16, lr: 0.05, seed: 3, evalEvery: 6, checkpointEvery: 6, logEvery: 6 } });
    const out = path.join(dir, 'pool');
    fs.mkdirSync(out);
    const manifest = planSweep({ config, sets: [], grid: [], seeds: 3 });
    writeSweepManifest(out, manifest);
    const events: string[] = [];
    const env = { ...process.env, KT_BACKEND: 'cpu', KT_PLUGINS: undefined, KT_DEBUG: undefined };
    const result = await runPool(manifest, out, { parallel: 3, cwd: dir, env }, {
      onStart: (job) => events.push(`start ${job.seed}`),
      onEnd: (job, outcome) => events.push(`end ${job.seed} ${outcome.code}`),
    });
    expect(result).toMatchObject({ ran: 3, failed: [] });
    expect(events.slice(0, 4)).toEqual(['start 1', 'end 1 0', 'start 2', 'start 3']);
  }, 120_000);

  it('refuses a different sweep in the same directory, and a grid key the config does not have', async () => {
    const dir = tmpDir('kt-sweep-');
    const config = writeToyConfig(dir);
    const out = path.join(dir, 'sweep');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'sweep.json'), JSON.stringify(planSweep({ config, sets: [], grid: parseGrid(['train.lr=0.1']), seeds: 1 })));
    await expect(sweepCommand(config, SweepOptionsSchema.parse({ grid: ['train.lr=0.2'], out }), deps(dir))).rejects.toThrow(/holds another sweep/);
    const err = await sweepCommand(config, SweepOptionsSchema.parse({ grid: ['train.nope=1'], out: path.join(dir, 's2') }), deps(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^sweep cell train\.nope=1: .*nope/s);
  });
});
