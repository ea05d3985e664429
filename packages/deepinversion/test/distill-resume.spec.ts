import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { readRunConfig, readRunWeights, type BaseExperimentConfig } from '@kt/core';
import { pluginHarness, useBackend } from '@kt/core/testing';
import { deepinversionPlugin, type RoundRecord } from '../src';
import { barsCsv, tinyDiOverrides } from './bars-csv';

// Each case trains small networks several times on the CPU backend: generous on a shared, loaded machine.
jest.setTimeout(900000);

const h = pluginHarness(deepinversionPlugin, '@kt/deepinversion');
useBackend('wasm');
const out = h.tmp('kt-di-resume-');
// 160 bar images (seed 11), one CSV row each
const csv = path.join(out, 'bars.csv');
fs.writeFileSync(csv, barsCsv(160, 11));

/**
 * Adaptive DeepInversion (the student takes part in every round after the first, so a resumed run must restore it
 * before synthesising) with a BatchNorm student: 3 rounds of 12 images × 6 iterations, 5 student steps a round.
 */
function config(): BaseExperimentConfig {
  return h.config('mnist-di.yaml', tinyDiOverrides(csv, { learner: '{kind: vgg, channels: [2], convsPerBlock: 1, dense: 0}', iterations: 6, rounds: 3, extra: ['synthesis.loss.competition=1'] }));
}

/** Final student weights, flattened by name. */
function studentWeights(runDir: string): Record<string, number[]> {
  const m = readRunWeights(runDir);
  const outW = Object.fromEntries([...m].map(([k, t]) => [k, Array.from(t.dataSync())]));
  tf.dispose([...m.values()]);
  return outW;
}

/** rounds.jsonl without the wall-clock fields (seconds, throughput). */
function rounds(runDir: string): Omit<RoundRecord, 'seconds' | 'throughput'>[] {
  return fs
    .readFileSync(path.join(runDir, 'artifacts', 'rounds.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { seconds: _s, throughput: _t, ...rest } = JSON.parse(l) as RoundRecord;
      return rest;
    });
}

/** The images every round put into the pool. */
function images(runDir: string, round: number): number[] {
  return Array.from(new Uint8Array(fs.readFileSync(path.join(runDir, 'artifacts', `round-${round}`, 'images.bin'))));
}

describe('data-free distillation: exact resume', () => {
  let full: { runDir: string; test: Record<string, number> };
  beforeAll(async () => {
    const run = await h.run(config(), { outDir: path.join(out, 'full'), cacheDir: path.join(out, '.cache') });
    expect(run.summary.status).toBe('completed');
    full = { runDir: run.runDir, test: run.summary.test! };
  });

  // 5 steps: between rounds 0 and 1 (round 1 not yet synthesised); 7 steps: inside round 1 (its images on disk);
  // 7 steps but resumed from the step-5 checkpoint (a kill): the resumed run passes the round-1 boundary a second time
  it.each([
    [5, false],
    [7, false],
    [7, true],
  ])('interrupted after %i steps (killed after the previous checkpoint: %s), resumes to the uninterrupted run\'s student, images and metrics', async (stopAt, killedAfterCheckpoint) => {
    let steps = 0;
    const partial = await h.run(config(), {
      outDir: path.join(out, `partial-${stopAt}`),
      cacheDir: path.join(out, '.cache'),
      callbacks: [{ onStepEnd: () => void (steps += 1) }],
      shouldStop: () => steps >= stopAt,
    });
    expect(partial.summary.status).toBe('interrupted');
    expect(partial.summary.steps).toBe(stopAt);
    if (killedAfterCheckpoint) {
      // as if killed (no checkpoint on the way out): the latest checkpoint is step 5, before the round-1 boundary
      // the killed run had already passed and recorded
      const checkpoints = path.join(partial.runDir, 'checkpoints');
      fs.rmSync(path.join(checkpoints, 'step-00000007'), { recursive: true, force: true });
      fs.writeFileSync(path.join(checkpoints, 'latest.json'), JSON.stringify({ checkpoint: 'step-00000005', step: 5 }));
    }
    const before = tf.memory().numTensors;
    const resumed = await h.run(h.config(readRunConfig(partial.runDir)), { resumeDir: partial.runDir });
    expect(tf.memory().numTensors).toBe(before);
    expect(resumed.summary.status).toBe('completed');
    expect(resumed.summary.steps).toBe(15);
    expect(resumed.summary.test).toEqual(full.test);
    expect(studentWeights(resumed.runDir)).toEqual(studentWeights(full.runDir));
    expect(rounds(resumed.runDir)).toEqual(rounds(full.runDir));
    for (const r of [0, 1, 2]) expect(images(resumed.runDir, r)).toEqual(images(full.runDir, r));
  });
});
