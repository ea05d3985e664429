import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  applyOverrides,
  buildContainer,
  ConfigError,
  createMemoryLogger,
  pluginProblems,
  PluginRegistry,
  readConfigFile,
  readSummary,
  resolveExperimentConfig,
  runExperiment,
  validateExperiment,
  type RunOutcome,
} from '@kt/core';
import { FinetuneConfigSchema, finetunePlugin, type FinetuneConfig } from '../src';

const registry = new PluginRegistry([{ plugin: finetunePlugin, from: '@kt/finetune' }]);
const container = buildContainer([finetunePlugin]);
const kdConfigFile = path.join(__dirname, '..', 'configs', 'finetune-kd.yaml');
const made: string[] = [];

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-finetune-'));
  made.push(dir);
  return dir;
}

/** The shipped kd config, shortened for a test, with `overrides` (`key=value`) applied. */
function kdConfig(overrides: string[] = []): FinetuneConfig {
  return FinetuneConfigSchema.parse(applyOverrides(readConfigFile(kdConfigFile), ['train.steps=80', 'train.evalEvery=40', 'teacher.train.steps=150', ...overrides]));
}

async function run(config: FinetuneConfig, outDir: string, log = createMemoryLogger()): Promise<RunOutcome> {
  return runExperiment({ config, container, log, backend: tf.getBackend(), outDir, progress: false });
}

/** The ConfigError message `fn` throws (fails the test when it throws nothing or something else). */
function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

describe('finetune plugin', () => {
  it('passes the plugin meta-check: schema tasks = bound tasks, every shipped config passes its schema and task checks', () => {
    expect(pluginProblems(finetunePlugin)).toEqual([]);
  });

  it('rejects a config with a typo, naming the field', () => {
    const message = configErrorOf(() => resolveExperimentConfig({ plugin: 'finetune', task: 'kd', data: { featurs: 8 } }, registry, 'typo.yaml'));
    expect(message).toMatch(/^typo\.yaml: invalid config/);
    expect(message).toMatch(/- data: .*"featurs"/);
    expect(configErrorOf(() => resolveExperimentConfig({ plugin: 'finetune', task: 'kd', teacher: { trian: {} } }, registry))).toMatch(/- teacher: .*"trian"/);
  });

  it('kt validate: a teacher.checkpoint that is not a run and a teacher early-stopping metric `train` does not report', () => {
    const config = kdConfig(['teacher.checkpoint=/nonexistent/teacher-run', 'teacher.train.earlyStopping.metric=agreement', 'teacher.train.earlyStopping.patience=2']);
    const message = configErrorOf(() => validateExperiment(config, container, 'kd.yaml'));
    expect(message).toContain('- teacher.checkpoint: /nonexistent/teacher-run: not a kt run directory (no config.json)');
    expect(message).toContain('- teacher.train.earlyStopping.metric: the teacher\'s train run does not report "agreement"; it reports: accuracy, nll');
  });

  it('kd trains its teacher as a run of its own, names it in the summary, reuses it, and leaks no tensors', async () => {
    const out = tmpDir();
    const config = kdConfig();
    const before = tf.memory().numTensors;
    const first = await run(config, out);
    expect(tf.memory().numTensors).toBe(before);
    expect(first.summary.status).toBe('completed');
    expect(first.summary.teachers).toHaveLength(1);
    const teacherRun = first.summary.teachers![0]!;
    expect(teacherRun.fromCache).toBe(false);
    expect(path.dirname(teacherRun.runDir)).toBe(path.join(out, '.cache', 'teachers'));
    // The teacher is a complete kt run of task `train` that really learned (chance is 1/classes).
    expect(readSummary(teacherRun.runDir)).toMatchObject({ plugin: 'finetune', task: 'train', status: 'completed', steps: 150 });
    expect(readSummary(teacherRun.runDir)!.test!['accuracy']).toBeGreaterThan(0.6);
    // The learner ends close to its teacher.
    expect(first.summary.test!['agreement']).toBeGreaterThan(0.85);

    const log = createMemoryLogger();
    const second = await run(config, out, log);
    expect(second.summary.teachers).toEqual([{ ...teacherRun, fromCache: true }]);
    expect(log.lines.some((l) => l.includes('reusing the trained teacher'))).toBe(true);
    expect(second.summary.test).toEqual(first.summary.test);

    // The same teacher named explicitly as `teacher.checkpoint` teaches the same learner.
    const fromCheckpoint = await run(kdConfig([`teacher.checkpoint=${teacherRun.runDir}`]), tmpDir());
    expect(fromCheckpoint.summary.test).toEqual(first.summary.test);
  });

  it('refuses a teacher.checkpoint trained on data of another shape', async () => {
    const out = tmpDir();
    const trained = await run(FinetuneConfigSchema.parse({ ...kdConfig(), task: 'train', data: { ...kdConfig().data, features: 3 } }), out);
    const message = configErrorOf(() => validateExperiment(kdConfig([`teacher.checkpoint=${trained.runDir}`]), container));
    expect(message).toContain(`- teacher.checkpoint: ${trained.runDir}: trained on 3 features × 4 classes; this config has 8 × 4`);
  });
});
