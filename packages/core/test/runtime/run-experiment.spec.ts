import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, ConfigError, NonFiniteLossError } from '../../src/runtime/errors';
import { createMemoryLogger } from '../../src/runtime/logger';
import { buildContainer, PluginRegistry } from '../../src/runtime/plugin-registry';
import { readRunConfig, resolveExperimentConfig, runExperiment } from '../../src/runtime/run-experiment';
import { loadTensors } from '../../src/runtime/tensor-file';
import { latestCheckpoint } from '../../src/runtime/checkpoint';
import { ProgressReporter } from '../../src/runtime/progress-reporter';
import { RUN_LOCK_FILE } from '../../src/runtime/run-lock';
import { LinearModel, toyPlugin } from '../fixtures/toy-plugin';
import { startChild } from './fixtures/children';

const registry = new PluginRegistry([{ plugin: toyPlugin, from: 'test' }]);
const container = buildContainer([toyPlugin]);

const created: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-run-'));
  created.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function config(extra: Record<string, unknown> = {}, train: Record<string, unknown> = {}): ReturnType<typeof resolveExperimentConfig> {
  return resolveExperimentConfig(
    { plugin: 'toy', task: 'kd', name: 'toy', transfer: { divergence: 'backward' }, train: { steps: 20, batchSize: 16, lr: 0.05, seed: 3, ...train }, ...extra },
    registry,
  );
}

async function learnerWeights(runDir: string): Promise<Float32Array> {
  const dir = latestCheckpoint(path.join(runDir, 'checkpoints'))!;
  const m = loadTensors(dir, 'learner');
  const out = Float32Array.from([...(m.get('w')!.dataSync() as Float32Array), ...(m.get('b')!.dataSync() as Float32Array)]);
  for (const t of m.values()) t.dispose();
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('runExperiment', () => {
  it('writes a complete run directory and reduces the divergence', async () => {
    const out = tmp();
    const { runDir, summary } = await runExperiment({ config: config({}, { evalEvery: 5 }), container, log: createMemoryLogger(), backend: 'cpu', outDir: out, progress: false });
    for (const f of ['config.json', 'summary.json', 'metrics.jsonl', 'checkpoints/latest.json']) {
      expect(fs.existsSync(path.join(runDir, f))).toBe(true);
    }
    expect(summary.status).toBe('completed');
    expect(summary.steps).toBe(20);
    const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const val = lines.filter((l) => l.split === 'val');
    expect(val.length).toBe(4);
    expect(val.at(-1).divergence).toBeLessThan(val[0].divergence);
    expect(summary.test?.['divergence']).toBeGreaterThanOrEqual(0);
  });

  it('gives the same metrics for the same config and seed', async () => {
    const a = await runExperiment({ config: config(), container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false });
    const b = await runExperiment({ config: config(), container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false });
    expect(b.summary.test).toEqual(a.summary.test);
    expect(await learnerWeights(b.runDir)).toEqual(await learnerWeights(a.runDir));
  });

  it('resumes an interrupted run to the same final weights as an uninterrupted one', async () => {
    const cfg = config({}, { checkpointEvery: 4 });
    const full = await runExperiment({ config: cfg, container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false });
    let steps = 0;
    const partial = await runExperiment({
      config: cfg,
      container,
      log: createMemoryLogger(),
      backend: 'cpu',
      outDir: tmp(),
      progress: false,
      callbacks: [{ onStepEnd: () => void (steps += 1) }],
      shouldStop: () => steps >= 7,
    });
    expect(partial.summary.status).toBe('interrupted');
    expect(partial.summary.steps).toBe(7);
    const raw = readRunConfig(partial.runDir);
    const resumed = await runExperiment({
      config: resolveExperimentConfig(raw, registry),
      container,
      log: createMemoryLogger(),
      backend: 'cpu',
      resumeDir: partial.runDir,
      progress: false,
    });
    expect(resumed.summary.status).toBe('completed');
    expect(await learnerWeights(resumed.runDir)).toEqual(await learnerWeights(full.runDir));
    const trainSteps = fs
      .readFileSync(path.join(resumed.runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.split === 'train')
      .map((l) => l.step);
    expect(new Set(trainSteps).size).toBe(trainSteps.length);
  });

  it('on resume, moves garbage lines of metrics.jsonl to metrics.jsonl.corrupt and warns with their line numbers', async () => {
    const cfg = config({}, { checkpointEvery: 4, logEvery: 1, steps: 12 });
    let steps = 0;
    const partial = await runExperiment({
      config: cfg, container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false,
      callbacks: [{ onStepEnd: () => void (steps += 1) }], shouldStop: () => steps >= 6,
    });
    const file = path.join(partial.runDir, 'metrics.jsonl');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    lines.splice(2, 0, 'not json at all');
    lines.push('{"step": 7, "split": "tr');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const log = createMemoryLogger();
    await runExperiment({ config: cfg, container, log, backend: 'cpu', resumeDir: partial.runDir, progress: false });
    expect(log.lines).toContainEqual(`warning: ${file}: 2 unreadable lines (lines 3, ${lines.length}) moved to metrics.jsonl.corrupt`);
    expect(fs.readFileSync(`${file}.corrupt`, 'utf8')).toBe('not json at all\n{"step": 7, "split": "tr\n');
    const steps2 = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.split === 'train').map((l) => l.step);
    expect(steps2).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('refuses a corrupted or foreign checkpoint without overwriting it', async () => {
    const cfg = config({}, { checkpointEvery: 5, steps: 10 });
    let steps = 0;
    const partial = await runExperiment({
      config: cfg, container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false,
      callbacks: [{ onStepEnd: () => void (steps += 1) }], shouldStop: () => steps >= 5,
    });
    // foreign: a different config
    await expect(
      runExperiment({ config: config({}, { checkpointEvery: 5, steps: 10, lr: 0.01 }), container, log: createMemoryLogger(), backend: 'cpu', resumeDir: partial.runDir, progress: false }),
    ).rejects.toThrow(/different experiment/);
    // corrupted: flip a byte of the learner weights
    const ckpt = latestCheckpoint(path.join(partial.runDir, 'checkpoints'))!;
    const bin = path.join(ckpt, 'learner.bin');
    const bytes = fs.readFileSync(bin);
    bytes[0] = bytes[0]! ^ 0xff;
    fs.writeFileSync(bin, bytes);
    const before = fs.readFileSync(bin);
    const err = await runExperiment({ config: cfg, container, log: createMemoryLogger(), backend: 'cpu', resumeDir: partial.runDir, progress: false }).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(String(err.message)).toMatch(/corrupted/);
    expect(fs.readFileSync(bin)).toEqual(before);
  });

  it('stops on a NaN loss naming the step (counted from 1, as progress and metrics count) and keeps the last good checkpoint', async () => {
    const cfg = resolveExperimentConfig({ plugin: 'toy', task: 'nan', train: { steps: 10, checkpointEvery: 2, batchSize: 16, logEvery: 1 } }, registry);
    const out = tmp();
    const log = createMemoryLogger();
    const progress = new ProgressReporter(log, 1, { isTTY: false } as NodeJS.WriteStream);
    const err = await runExperiment({ config: cfg, container, log, backend: 'cpu', outDir: out, progress: false, callbacks: [progress] }).catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    // The toy task's loss is NaN from its sixth step on: steps 1-5 are logged, step 6 fails.
    expect(err.message).toMatch(/^loss is NaN at step 6;/);
    expect(err.step).toBe(6);
    expect(log.lines.filter((l) => l.startsWith('step ')).at(-1)).toMatch(/^step 5\/10 /);
    const runDir = path.join(out, fs.readdirSync(out).find((d) => !d.startsWith('.'))!);
    const trainSteps = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(trainSteps).toEqual([1, 2, 3, 4, 5]);
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoints/latest.json'), 'utf8')).step).toBe(4);
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')).status).toBe('failed');
  });

  it('stops early and restores the best weights', async () => {
    const cfg = config({}, { steps: 200, evalEvery: 2, lr: 2.0, optimizer: 'sgd', earlyStopping: { metric: 'neg_divergence', patience: 2 } });
    const { summary } = await runExperiment({ config: cfg, container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false });
    expect(['stopped-early', 'completed']).toContain(summary.status);
    expect(summary.val?.['neg_divergence']).toBeCloseTo(-summary.test!['divergence']!, 5);
  });

  it('with train.evalAtStart, evaluates before the first step and keeps the start when training only loses ground', async () => {
    // An SGD rate far past stable: every step moves the learner away from the teacher.
    const train = { steps: 200, evalEvery: 2, lr: 40, optimizer: 'sgd', earlyStopping: { metric: 'neg_divergence', patience: 2 } };
    const valAt = (runDir: string): Map<number, number> =>
      new Map(
        fs
          .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
          .filter((l) => l.split === 'val')
          .map((l) => [l.step, l.neg_divergence]),
      );
    const withStart = await runExperiment({ config: config({}, { ...train, evalAtStart: true }), container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false });
    const start = valAt(withStart.runDir);
    expect([...start.keys()]).toEqual([0, 2, 4]);
    expect(start.get(2)!).toBeLessThan(start.get(0)!);
    expect(withStart.summary.status).toBe('stopped-early');
    expect(withStart.summary.val?.['neg_divergence']).toBeCloseTo(start.get(0)!, 6);

    // Without it the best checkpoint is the first evaluation after training started, and the config keeps its old hash.
    const without = await runExperiment({ config: config({}, train), container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false });
    const later = valAt(without.runDir);
    expect(later.has(0)).toBe(false);
    expect(without.summary.val?.['neg_divergence']).toBeCloseTo(later.get(2)!, 6);
    expect(without.summary.val?.['neg_divergence']).toBeLessThan(start.get(0)!);
    expect(JSON.stringify(config({}, train).train)).not.toContain('evalAtStart');
  });

  it('updates a trainable teacher through the teacher hook and checkpoints it', async () => {
    const cfg = resolveExperimentConfig({ plugin: 'toy', task: 'meta', train: { steps: 10, batchSize: 16, lr: 0.05, checkpointEvery: 5 } }, registry);
    const { runDir, summary } = await runExperiment({ config: cfg, container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false });
    expect(summary.status).toBe('completed');
    const dir = latestCheckpoint(path.join(runDir, 'checkpoints'))!;
    const teacher = loadTensors(dir, 'teacher');
    const initial = new LinearModel('t0', 5, 3, 1234);
    const moved = Math.max(...Array.from(tf.sub(teacher.get('w')!, initial.w).abs().dataSync()));
    initial.dispose();
    for (const t of teacher.values()) t.dispose();
    expect(moved).toBeGreaterThan(1e-3);
    expect(fs.existsSync(path.join(dir, 'teacher-optimizer.json'))).toBe(true);
    const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => typeof l.teacher_loss === 'number')).toBe(true);
  });

  it('does not leak tensors across a run', async () => {
    await runExperiment({ config: config(), container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false });
    const before = tf.memory().numTensors;
    await runExperiment({ config: config({}, { steps: 40, checkpointEvery: 10 }), container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports an output directory that cannot be written', async () => {
    const file = path.join(tmp(), 'not-a-dir');
    fs.writeFileSync(file, 'x');
    await expect(runExperiment({ config: config(), container, log: createMemoryLogger(), backend: 'cpu', outDir: path.join(file, 'sub'), progress: false })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('runExperiment: one writer per run', () => {
  const lockOwner = (runDir: string): number | undefined => {
    const file = path.join(runDir, RUN_LOCK_FILE);
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }).pid : undefined;
  };

  it('holds the run lock while training and releases it when the run completes, fails or is interrupted', async () => {
    const seen: (number | undefined)[] = [];
    let dir = '';
    const watch = { onStepEnd: () => void seen.push(lockOwner(dir)) };
    const out = tmp();
    // The callback learns the directory from the first checkpoint-less step through the out dir listing.
    const find = { onStepEnd: () => void (dir ||= path.join(out, fs.readdirSync(out).find((d) => !d.startsWith('.'))!)) };
    const done = await runExperiment({ config: config(), container, log: createMemoryLogger(), backend: 'cpu', outDir: out, progress: false, callbacks: [find, watch] });
    expect(seen).toHaveLength(20);
    expect(new Set(seen)).toEqual(new Set([process.pid]));
    expect(lockOwner(done.runDir)).toBeUndefined();

    let steps = 0;
    const stopped = await runExperiment({
      config: config({}, { checkpointEvery: 4 }), container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false,
      callbacks: [{ onStepEnd: () => void (steps += 1) }], shouldStop: () => steps >= 3,
    });
    expect(stopped.summary.status).toBe('interrupted');
    expect(lockOwner(stopped.runDir)).toBeUndefined();

    const nanOut = tmp();
    const nan = resolveExperimentConfig({ plugin: 'toy', task: 'nan', train: { steps: 10, batchSize: 16 } }, registry);
    await expect(runExperiment({ config: nan, container, log: createMemoryLogger(), backend: 'cpu', outDir: nanOut, progress: false })).rejects.toThrow(NonFiniteLossError);
    expect(lockOwner(path.join(nanOut, fs.readdirSync(nanOut)[0]!))).toBeUndefined();
  });

  it('refuses to resume a run another process holds (naming its pid); once that process is dead it takes the run over and removes its temp entries', async () => {
    const cfg = config({}, { checkpointEvery: 4, steps: 12 });
    let steps = 0;
    const partial = await runExperiment({
      config: cfg, container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false,
      callbacks: [{ onStepEnd: () => void (steps += 1) }], shouldStop: () => steps >= 5,
    });
    const checkpoints = path.join(partial.runDir, 'checkpoints');
    const holder = await startChild(['lock', partial.runDir]);
    const live = await startChild(['lock', checkpoints]);
    try {
      holder.send('go');
      expect(await holder.next()).toMatchObject({ ok: true });
      const summaryBefore = fs.readFileSync(path.join(partial.runDir, 'summary.json'), 'utf8');
      const err = await runExperiment({ config: cfg, container, log: createMemoryLogger(), backend: 'cpu', resumeDir: partial.runDir, progress: false }).catch((e) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(new RegExp(`is in use by process ${holder.pid} on `));
      expect(fs.readFileSync(path.join(partial.runDir, 'summary.json'), 'utf8')).toBe(summaryBefore);

      // The holder is SIGKILLed while writing (a checkpoint-sized temp dir); a live process has a temp entry too.
      holder.send('write');
      const dead = String((await holder.next())['wrote']);
      holder.send('kill');
      await holder.exited;
      live.send('write');
      const alive = String((await live.next())['wrote']);

      const log = createMemoryLogger();
      const resumed = await runExperiment({ config: cfg, container, log, backend: 'cpu', resumeDir: partial.runDir, progress: false });
      expect(resumed.summary.status).toBe('completed');
      expect(log.lines).toContainEqual(expect.stringMatching(new RegExp(`^warning: took over the lock of run .*process ${holder.pid} `)));
      expect(log.lines).toContainEqual(`warning: removed 1 temp entry left by a killed run: ${path.relative(partial.runDir, dead)}`);
      expect(fs.existsSync(dead)).toBe(false);
      expect(fs.existsSync(alive)).toBe(true);
      expect(lockOwner(partial.runDir)).toBeUndefined();
    } finally {
      for (const c of [holder, live]) c.proc.kill('SIGKILL');
      await Promise.all([holder.exited, live.exited]);
    }
  });
});

describe('resolveExperimentConfig', () => {
  it('lists known plugins for an unknown one', () => {
    expect(() => resolveExperimentConfig({ plugin: 'nope', task: 'kd' }, registry)).toThrow(/unknown plugin "nope"; known plugins: toy/);
  });
  it('names the path of every bad field', () => {
    let msg = '';
    try {
      resolveExperimentConfig({ plugin: 'toy', task: 'kd', train: { lr: -1 }, transfer: { divergence: 'sideways' } }, registry);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/train\.lr: .*>0/);
    expect(msg).toMatch(/transfer\.divergence: .*forward.*backward/);
  });
  it('fills defaults from the schema only', () => {
    const c = resolveExperimentConfig({ plugin: 'toy', task: 'kd' }, registry);
    expect(c.train.optimizer).toBe('adam');
    expect(c.transfer.divergence).toBe('forward');
    expect(c.output.dir).toBe('runs');
  });
});
