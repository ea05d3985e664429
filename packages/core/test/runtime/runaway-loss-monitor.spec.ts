import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { createMemoryLogger } from '../../src/runtime/logger';
import { buildContainer, PluginRegistry } from '../../src/runtime/plugin-registry';
import { Rng } from '../../src/runtime/rng';
import { resolveExperimentConfig, runExperiment } from '../../src/runtime/run-experiment';
import { RUNAWAY_LOSS_DEFAULTS, RunawayLossMonitor } from '../../src/runtime/runaway-loss-monitor';
import { toyPlugin } from '../fixtures/toy-plugin';

const created: string[] = [];
afterAll(() => {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Feeds `losses` (step 1, 2, …) and returns [step, message] of every warning. */
function feed(losses: number[], monitor = new RunawayLossMonitor()): [number, string][] {
  const out: [number, string][] = [];
  losses.forEach((loss, i) => {
    const w = monitor.observe(i + 1, loss);
    if (w !== undefined) out.push([i + 1, w]);
  });
  return out;
}

describe('RunawayLossMonitor', () => {
  const rng = Rng.fromSeed(7);

  it('stays quiet on noisy but converging runs', () => {
    // ±50 % multiplicative noise on a decaying loss.
    const noisy = Array.from({ length: 3000 }, (_, t) => (2 * Math.exp(-t / 300) + 0.05) * Math.exp(0.5 * rng.normal()));
    expect(feed(noisy)).toEqual([]);
    // Single-step 10× spikes every 50 steps.
    const spiky = Array.from({ length: 2000 }, (_, t) => (t % 50 === 49 ? 10 : 1) * (1 / (1 + t / 100)));
    expect(feed(spiky)).toEqual([]);
    // A KL term that falls to ~1e-4 and then wobbles between 1e-4 and 4e-3 (40×, but tiny next to where it started).
    const kl = Array.from({ length: 2000 }, (_, t) => (t < 500 ? Math.exp(-t / 50) : 1e-4 * (1 + 39 * rng.next())));
    expect(feed(kl)).toEqual([]);
    // A loss that drifts up a little (a moving teacher) and a negative loss.
    expect(feed(Array.from({ length: 2000 }, (_, t) => 0.5 + t / 4000))).toEqual([]);
    expect(feed(Array.from({ length: 2000 }, (_, t) => -1 - t / 1000 + 0.2 * rng.normal()))).toEqual([]);
  });

  it('warns once, after `patience` steps far above the running minimum', () => {
    const blowUp = [...Array.from({ length: 30 }, (_, t) => 1 / (1 + t)), ...Array.from({ length: 200 }, () => 1e6)];
    const warnings = feed(blowUp);
    expect(warnings).toHaveLength(1);
    const [step, message] = warnings[0]!;
    // The moving average crosses 5× the minimum on the first blown-up step (31), then 20 steps of patience.
    expect(step).toBe(30 + RUNAWAY_LOSS_DEFAULTS.patience);
    expect(message).toMatch(/^the training loss is diverging: .* for 20 steps \(\S+ at step 50, minimum 0\.\d+ at step 30\); .*lower train\.lr/);
  });

  it('does not count a blow-up that recovers within the patience window', () => {
    const losses = [...Array.from({ length: 30 }, () => 1), ...Array.from({ length: 10 }, () => 100), ...Array.from({ length: 300 }, () => 1)];
    expect(feed(losses, new RunawayLossMonitor({ smoothing: 1 }))).toEqual([]);
  });
});

describe('a run whose loss diverges without NaN', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('logs one warning, records it in summary.json and metrics.jsonl, and still completes', async () => {
    const registry = new PluginRegistry([{ plugin: toyPlugin, from: 'test' }]);
    const container = buildContainer([toyPlugin]);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-runaway-'));
    created.push(out);
    const config = resolveExperimentConfig(
      { plugin: 'toy', task: 'kd', name: 'blowup', transfer: { divergence: 'forward' }, train: { steps: 80, batchSize: 16, lr: 1e6, optimizer: 'sgd', seed: 3, logEvery: 1 } },
      registry,
    );
    const log = createMemoryLogger();
    const { runDir, summary } = await runExperiment({ config, container, log, backend: 'cpu', outDir: out, progress: false });
    expect(summary.status).toBe('completed');
    const warnings = log.lines.filter((l) => l.startsWith('warning: the training loss is diverging'));
    expect(warnings).toHaveLength(1);
    expect(summary.warnings).toEqual([warnings[0]!.slice('warning: '.length)]);
    const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const events = lines.filter((l) => l.split === 'event');
    expect(events).toEqual([{ step: expect.any(Number), split: 'event', event: 'runaway-loss', message: summary.warnings![0] }]);
    const train = lines.filter((l) => l.split === 'train');
    expect(train.every((l) => Number.isFinite(l.loss))).toBe(true);
    expect(Math.max(...train.map((l) => l.loss))).toBeGreaterThan(100 * Math.min(...train.map((l) => l.loss)));
  });

  it('keeps the warning of an interrupted run in the summary of its resumed run', async () => {
    const registry = new PluginRegistry([{ plugin: toyPlugin, from: 'test' }]);
    const container = buildContainer([toyPlugin]);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-runaway-'));
    created.push(out);
    const config = resolveExperimentConfig(
      { plugin: 'toy', task: 'kd', name: 'blowup', transfer: { divergence: 'forward' }, train: { steps: 80, batchSize: 16, lr: 1e6, optimizer: 'sgd', seed: 3, checkpointEvery: 10 } },
      registry,
    );
    let steps = 0;
    const first = await runExperiment({
      config, container, log: createMemoryLogger(), backend: 'cpu', outDir: out, progress: false,
      callbacks: [{ onStepEnd: () => void (steps += 1) }], shouldStop: () => steps >= 60,
    });
    expect(first.summary.status).toBe('interrupted');
    expect(first.summary.warnings).toHaveLength(1);
    const resumed = await runExperiment({ config, container, log: createMemoryLogger(), backend: 'cpu', resumeDir: first.runDir, progress: false });
    expect(resumed.summary.status).toBe('completed');
    expect(resumed.summary.warnings?.[0]).toBe(first.summary.warnings![0]);
  });

  it('a normal run of the same experiment raises no warning', async () => {
    const registry = new PluginRegistry([{ plugin: toyPlugin, from: 'test' }]);
    const container = buildContainer([toyPlugin]);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-runaway-'));
    created.push(out);
    const config = resolveExperimentConfig(
      { plugin: 'toy', task: 'kd', name: 'fine', transfer: { divergence: 'forward' }, train: { steps: 80, batchSize: 16, lr: 0.05, seed: 3, logEvery: 1 } },
      registry,
    );
    const log = createMemoryLogger();
    const { summary } = await runExperiment({ config, container, log, backend: 'cpu', outDir: out, progress: false });
    expect(log.lines.filter((l) => l.startsWith('warning:'))).toEqual([]);
    expect(summary.warnings).toBeUndefined();
  });
});
