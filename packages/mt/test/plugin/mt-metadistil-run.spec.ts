import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, latestCheckpoint, type RawConfig, validateExperiment } from '@kt/core';
import { pluginHarness, useBackend } from '@kt/core/testing';
import { mtPlugin } from '../../src';
import { tinyRaw } from './tiny-experiment';

jest.setTimeout(300_000);

useBackend('wasm');
const h = pluginHarness(mtPlugin, '@kt/mt');
const { container } = h;

/** A tiny word-kd experiment with a MetaDistil teacher: the tiny experiment with 3 teacher steps, 3 learner steps. */
function tinyMeta(strategy: string): RawConfig {
  return tinyRaw('word-kd', {
    name: 'tiny-meta',
    teacher: {
      model: { dModel: 16, heads: 2, ffDim: 32, encoderLayers: 1, decoderLayers: 1, dropout: 0 },
      train: { steps: 3, batchSize: 16, lr: 0.01, logEvery: 100 },
      seed: 1,
    },
    transfer: { divergence: 'forward', alpha: 0.5 },
    teacherUpdate: { strategy, lr: 0.001, quizFraction: 0.2 },
    train: { steps: 3, batchSize: 16, lr: 0.01, logEvery: 1, checkpointEvery: 2 },
  });
}

describe('mt word-kd with teacherUpdate', () => {
  it('metadistil-first-order: the teacher learns from a quiz split, is checkpointed and scored before and after', async () => {
    const before = tf.memory().numTensors;
    const { runDir, summary } = await h.run(h.config(tinyMeta('metadistil-first-order')), { outDir: h.tmp('kt-mt-meta-') });
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
    const { runDir, summary } = await h.run(h.config(tinyMeta('metadistil')), { outDir: h.tmp('kt-mt-meta-') });
    expect(summary.status).toBe('completed');
    const teacherFile = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'teacher.json'), 'utf8'));
    expect(typeof teacherFile.after.test.bleu).toBe('number');
    const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => typeof l.quiz_loss === 'number').length).toBe(3);
  });

  it('the shipped configs validate: synthetic-word-metadistil (second order) and its first-order twin', () => {
    const strategyOf = (name: string): string | undefined => {
      const cfg = h.config(`${name}.yaml`) as { teacherUpdate?: { strategy: string } };
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
    const config = h.config(raw);
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
    await expect(h.run(config, { outDir: h.tmp('kt-mt-meta-') })).rejects.toThrow(/teacherUpdate\.strategy/);
    // Without teacherUpdate the same config is valid.
    const plain: RawConfig = { ...raw };
    delete plain['teacherUpdate'];
    expect(() => validateExperiment(h.config(plain), container)).not.toThrow();
  });
});
