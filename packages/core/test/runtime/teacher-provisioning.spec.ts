import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { createMemoryLogger } from '../../src/runtime/logger';
import { buildContainer, PluginRegistry } from '../../src/runtime/plugin-registry';
import { resolveExperimentConfig, runExperiment } from '../../src/runtime/run-experiment';
import { readSummary } from '../../src/runtime/run-store';
import { createTeacherProvisioner, readRunWeights, teacherKey } from '../../src/runtime/teacher-provisioning';
import { RunLock } from '../../src/runtime/run-lock';
import { RunInterruptedError } from '../../src/runtime/errors';
import type { RunSummary } from '../../src/runtime/run-store';
import { disposeMap } from '../../src/runtime/tensor-file';
import { toyDataHash, toyPlugin, toyTeacherConfig, type ToyConfig } from '../fixtures/toy-plugin';

const registry = new PluginRegistry([{ plugin: toyPlugin, from: 'test' }]);
const container = buildContainer([toyPlugin]);
const made: string[] = [];

function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-teacher-'));
  made.push(dir);
  return dir;
}

function config(teacher: Record<string, unknown> = {}): ToyConfig {
  return resolveExperimentConfig(
    { plugin: 'toy', task: 'kd-trained', name: 'kd', train: { steps: 6, batchSize: 16, lr: 0.05, seed: 3 }, teacher: { train: { steps: 12, checkpointEvery: 2 }, ...teacher } },
    registry,
  ) as ToyConfig;
}

function teacherDirs(out: string): string[] {
  const dir = path.join(out, '.cache', 'teachers');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((d) => path.join(dir, d)) : [];
}

function weightsOf(runDir: string): number[] {
  const w = readRunWeights(runDir);
  const values = [...w.values()].flatMap((t) => Array.from(t.dataSync()));
  disposeMap(w);
  return values;
}

async function run(out: string, options: { shouldStop?: () => boolean; cfg?: ToyConfig; log?: ReturnType<typeof createMemoryLogger> } = {}): ReturnType<typeof runExperiment> {
  return runExperiment({ config: options.cfg ?? config(), container, log: options.log ?? createMemoryLogger(), backend: 'cpu', outDir: out, progress: false, shouldStop: options.shouldStop });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

describe('teacher provisioning', () => {
  it('trains the teacher as a run of its own, names it in the KD summary, and reuses it next time', async () => {
    const out = tmp();
    const first = await run(out);
    expect(first.summary.status).toBe('completed');
    const [teacherDir, ...others] = teacherDirs(out);
    expect(others).toEqual([]);
    for (const f of ['config.json', 'metrics.jsonl', 'summary.json', 'checkpoints/latest.json']) expect(fs.existsSync(path.join(teacherDir!, f))).toBe(true);
    const teacherSummary = readSummary(teacherDir!)!;
    expect(teacherSummary).toMatchObject({ plugin: 'toy', task: 'train', status: 'completed', steps: 12 });
    expect(first.summary.teachers).toEqual([{ runDir: teacherDir, key: expect.any(String), fromCache: false, seconds: expect.any(Number) }]);
    // The provisioning's wall time is the teacher's training, inside the KD run's total (a caller subtracts it to time the learner alone).
    const trained = first.summary.teachers![0]!.seconds!;
    expect(trained).toBeGreaterThanOrEqual(teacherSummary.timings.totalSeconds);
    expect(trained).toBeLessThanOrEqual(first.summary.timings.totalSeconds);
    expect(readSummary(first.runDir)!.teachers?.[0]?.runDir).toBe(teacherDir);

    const log = createMemoryLogger();
    const second = await run(out, { log });
    expect(second.summary.teachers).toEqual([{ runDir: teacherDir, key: first.summary.teachers![0]!.key, fromCache: true, seconds: expect.any(Number) }]);
    expect(log.lines.some((l) => l.includes('reusing the trained teacher'))).toBe(true);
    expect(readSummary(teacherDir!)!.endedAt).toBe(teacherSummary.endedAt);
    expect(second.summary.test).toEqual(first.summary.test);
  });

  it('keys the cache by the teacher config, the data content and the model version, not the data path or run name', () => {
    const cfg = config();
    const teacherConfig = toyTeacherConfig(cfg);
    const base = { config: teacherConfig, dataHash: toyDataHash(cfg), modelVersion: 'linear/1' };
    const key = teacherKey(base);
    const renamedAndMoved: ToyConfig = { ...teacherConfig, name: 'other', output: { dir: '/elsewhere' }, data: { ...cfg.data, n: 64 } };
    expect(teacherKey({ ...base, config: renamedAndMoved })).toBe(key);
    expect(teacherKey({ ...base, dataHash: 'different-content' })).not.toBe(key);
    expect(teacherKey({ ...base, modelVersion: 'linear/2' })).not.toBe(key);
    expect(teacherKey({ ...base, config: { ...teacherConfig, train: { ...teacherConfig.train, lr: 0.2 } } })).not.toBe(key);
  });

  it('detects a corrupted cache entry, reports it, and trains the teacher again', async () => {
    const out = tmp();
    await run(out);
    const [teacherDir] = teacherDirs(out);
    const before = weightsOf(teacherDir!);
    const latest = JSON.parse(fs.readFileSync(path.join(teacherDir!, 'checkpoints', 'latest.json'), 'utf8')).checkpoint as string;
    const bin = path.join(teacherDir!, 'checkpoints', latest, 'learner.bin');
    fs.writeFileSync(bin, Buffer.alloc(fs.statSync(bin).size, 7));
    const log = createMemoryLogger();
    const again = await run(out, { log });
    expect(again.summary.status).toBe('completed');
    expect(log.lines.some((l) => l.startsWith('warning: ') && l.includes('is corrupted') && l.includes(teacherDir!))).toBe(true);
    expect(again.summary.teachers?.[0]?.fromCache).toBe(false);
    expect(weightsOf(teacherDir!)).toEqual(before);
  });

  it('ends the KD run as interrupted when stopped during teacher training, never reuses the half-trained teacher, and resumes it exactly', async () => {
    const reference = tmp();
    await run(reference);
    const expected = weightsOf(teacherDirs(reference)[0]!);

    const out = tmp();
    let polls = 0;
    const stopped = await run(out, { shouldStop: () => ++polls > 5 });
    expect(stopped.summary.status).toBe('interrupted');
    const [teacherDir] = teacherDirs(out);
    expect(readSummary(teacherDir!)!.status).toBe('interrupted');
    expect(readSummary(teacherDir!)!.steps).toBeLessThan(12);

    const log = createMemoryLogger();
    const resumed = await run(out, { log });
    expect(resumed.summary.status).toBe('completed');
    expect(log.lines.some((l) => l.includes('resuming the interrupted teacher run'))).toBe(true);
    expect(readSummary(teacherDir!)!.status).toBe('completed');
    expect(weightsOf(teacherDir!)).toEqual(expected);
  });
});

describe('teacher provisioning and a teacher another process is training', () => {
  it('waits for the lock holder instead of deleting or resuming its entry under it', async () => {
    const cacheDir = tmp();
    const request = { config: toyTeacherConfig(config()), dataHash: 'h', modelVersion: 'v' };
    const dir = path.join(cacheDir, 'teachers', `toy-${teacherKey(request)}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ status: 'running', steps: 0, totalSteps: 12 }));
    const lock = RunLock.acquire(dir);
    const log = createMemoryLogger();
    const calls: string[] = [];
    const provider = createTeacherProvisioner({
      cacheDir,
      log,
      lockPollMs: 20,
      runChild: async (_cfg, childDir, resume) => {
        expect(released).toBe(true);
        calls.push(`${resume ? 'resume' : 'fresh'} ${childDir}`);
        return { summary: { status: 'completed', steps: 12, totalSteps: 12 } as RunSummary };
      },
    });
    // The holder stops 150 ms later, leaving an unfinished entry (no checkpoint): only then is it rebuilt.
    let released = false;
    setTimeout(() => {
      released = true;
      lock.release();
    }, 150);
    const done = await provider.provision(request);
    expect(log.lines.some((l) => l.includes('another process is training this teacher'))).toBe(true);
    expect(calls).toEqual([`fresh ${dir}`]);
    expect(done.runDir).toBe(dir);
  });

  it('stops waiting when the run is interrupted', async () => {
    const cacheDir = tmp();
    const request = { config: toyTeacherConfig(config()), dataHash: 'h2', modelVersion: 'v' };
    const dir = path.join(cacheDir, 'teachers', `toy-${teacherKey(request)}`);
    fs.mkdirSync(dir, { recursive: true });
    const lock = RunLock.acquire(dir);
    let polls = 0;
    const provider = createTeacherProvisioner({
      cacheDir,
      log: createMemoryLogger(),
      lockPollMs: 5,
      shouldStop: () => ++polls > 3,
      runChild: async () => Promise.reject(new Error('must not train while another process holds the lock')),
    });
    await expect(provider.provision(request)).rejects.toBeInstanceOf(RunInterruptedError);
    expect(fs.existsSync(path.join(dir, 'run.lock'))).toBe(true);
    lock.release();
  });
});
