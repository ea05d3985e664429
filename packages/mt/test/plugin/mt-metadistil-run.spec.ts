import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  buildContainer,
  ConfigError,
  createMemoryLogger,
  initBackend,
  latestCheckpoint,
  PluginRegistry,
  readConfigFile,
  resolveExperimentConfig,
  runExperiment,
  type RawConfig,
  validateExperiment,
} from '@kt/core';
import { mtPlugin } from '../../src';

jest.setTimeout(300_000);

beforeAll(async () => {
  await initBackend({ requested: 'wasm', log: () => undefined });
});

const registry = new PluginRegistry([{ plugin: mtPlugin, from: '@kt/mt' }]);
const container = buildContainer([mtPlugin]);
const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A tiny word-kd experiment with a MetaDistil teacher: 80 synthetic pairs, d=16 models, a few steps. */
function tinyMeta(strategy: string): RawConfig {
  return {
    name: 'tiny-meta',
    plugin: 'mt',
    task: 'word-kd',
    data: { source: 'synthetic', n: 80, evalN: 6, seed: 3, maxLen: 30 },
    tokenizer: { vocabSize: 70, minFrequency: 2 },
    teacher: {
      model: { dModel: 16, heads: 2, ffDim: 32, encoderLayers: 1, decoderLayers: 1, dropout: 0 },
      train: { steps: 3, batchSize: 16, lr: 0.01, logEvery: 100 },
      seed: 1,
    },
    learner: { model: { dModel: 16, heads: 2, ffDim: 16, encoderLayers: 1, decoderLayers: 1, dropout: 0 } },
    decode: { beam: 1, maxLen: 12, batchSize: 8 },
    transfer: { divergence: 'forward', alpha: 0.5 },
    teacherUpdate: { strategy, lr: 0.001, quizFraction: 0.2 },
    train: { steps: 3, batchSize: 16, lr: 0.01, logEvery: 1, checkpointEvery: 2 },
  };
}

describe('mt word-kd with teacherUpdate', () => {
  it('metadistil-first-order: the teacher learns from a quiz split, is checkpointed and scored before and after', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-mt-meta-'));
    made.push(out);
    const before = tf.memory().numTensors;
    const { runDir, summary } = await runExperiment({ config: resolveExperimentConfig(tinyMeta('metadistil-first-order'), registry), container, log: createMemoryLogger(), backend: 'wasm', outDir: out, progress: false });
    expect(summary.status).toBe('completed');
    expect(tf.memory().numTensors).toBe(before);
    const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => typeof l.quiz_loss === 'number').length).toBe(3);
    const ckpt = latestCheckpoint(path.join(runDir, 'checkpoints'))!;
    expect(fs.existsSync(path.join(ckpt, 'teacher.bin'))).toBe(true);
    expect(fs.existsSync(path.join(ckpt, 'teacher-optimizer.bin'))).toBe(true);
    const teacherFile = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'teacher.json'), 'utf8'));
    expect(typeof teacherFile.test.bleu).toBe('number');
    expect(typeof teacherFile.after.test.bleu).toBe('number');
  });

  it('metadistil (second order) runs through the Transformer on wasm with kt kernels (composite inside the meta step)', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-mt-meta-'));
    made.push(out);
    const { runDir, summary } = await runExperiment({ config: resolveExperimentConfig(tinyMeta('metadistil'), registry), container, log: createMemoryLogger(), backend: 'wasm', outDir: out, progress: false });
    expect(summary.status).toBe('completed');
    const teacherFile = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'teacher.json'), 'utf8'));
    expect(typeof teacherFile.after.test.bleu).toBe('number');
    const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => typeof l.quiz_loss === 'number').length).toBe(3);
  });

  it('the shipped configs validate: synthetic-word-metadistil (second order) and its first-order twin', () => {
    const strategyOf = (name: string): string | undefined => {
      const file = path.join(__dirname, '..', '..', 'configs', `${name}.yaml`);
      const cfg = resolveExperimentConfig(readConfigFile(file), registry, file) as { teacherUpdate?: { strategy: string } };
      validateExperiment(cfg as never, container);
      return cfg.teacherUpdate?.strategy;
    };
    expect(strategyOf('synthetic-word-metadistil')).toBe('metadistil');
    expect(strategyOf('synthetic-word-metadistil-first-order')).toBe('metadistil-first-order');
  });

  it.each([
    ['seq-kd', { divergence: 'forward', alpha: 0 }, /teacher's beam translations/],
    ['reinforce', { divergence: 'backward', alpha: 0 }, /rewards the learner's samples/],
    ['train', { divergence: 'forward', alpha: 0.5 }, /has no teacher/],
  ] as const)('task %s cannot train its teacher: kt validate and kt run refuse teacherUpdate, naming the field and word-kd', async (task, transfer, why) => {
    const raw: RawConfig = { ...tinyMeta('metadistil'), task, transfer };
    const config = resolveExperimentConfig(raw, registry);
    let err: unknown;
    try {
      validateExperiment(config, container);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/teacherUpdate\.strategy: /);
    expect(message).toContain(`task ${task} `);
    expect(message).toMatch(why);
    expect(message).toMatch(/use task word-kd/);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-mt-meta-'));
    made.push(out);
    await expect(runExperiment({ config, container, log: createMemoryLogger(), backend: 'wasm', outDir: out, progress: false })).rejects.toThrow(/teacherUpdate\.strategy/);
    // Without teacherUpdate the same config is valid.
    const plain: RawConfig = { ...raw };
    delete plain['teacherUpdate'];
    expect(() => validateExperiment(resolveExperimentConfig(plain, registry), container)).not.toThrow();
  });
});
