import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Command, CommanderError } from 'commander';
import { ZodError } from 'zod';
import { ConfigError, pluginProblems, Rng, experimentIssues, type RawConfig } from '@kt/core';
import { pluginHarness, useBackend } from '@kt/core/testing';
import { createResNet, decodePng } from '@kt/vision';
import { deepInversionDistillTask, deepinversionPlugin, SynthesisDivergedError, SynthesisSchema, synthesizeBatch, synthesizeFromRun, type RoundRecord } from '../src';
import { deepInversionSynthesizeContribution } from '../src/cli/synthesize-command';
import { barsCsv } from './bars-csv';

// Every run trains small networks on the CPU backend: generous on a shared, loaded machine.
jest.setTimeout(900000);

const h = pluginHarness(deepinversionPlugin, '@kt/deepinversion');
useBackend('wasm');
const csv = path.join(h.tmp('kt-di-data-'), 'bars.csv');
fs.writeFileSync(csv, barsCsv(240, 7));

/** mnist-di shrunk to seconds: 8x8 bar images, tiny networks, 2 rounds of 20 images × 8 iterations. */
function tinyConfig(extra: string[] = []): RawConfig {
  return h.raw('mnist-di.yaml', [
    `data={source: csv, path: ${csv}, shape: [8, 8, 1]}`,
    'teacher.model={kind: resnet, widths: [4], blocksPerStage: 1}',
    'teacher.train={epochs: 3, batchSize: 32, lr: 0.02}',
    'verifier.model={kind: mlp, hidden: [16]}',
    'verifier.train={epochs: 4, batchSize: 32, lr: 0.01}',
    'learner.model={kind: mlp, hidden: [8]}',
    'synthesis.batchSize=20',
    'synthesis.iterations=8',
    'rounds.count=2',
    'rounds.imagesPerRound=20',
    'rounds.stepsPerRound=5',
    'train.batchSize=8',
    ...extra,
  ]);
}

describe('deepinversion plugin', () => {
  it.each(h.shippedConfigs())('shipped config %s validates', (file) => {
    const cfg = h.config(file);
    expect(cfg.plugin).toBe('deepinversion');
  });

  // what `kt run` does with each shipped config, with only the data and the sizes shrunk: its other settings
  // (synthesis loss, transfer, rounds' source) run together; a distill config's student gets a real-test accuracy
  it.each(h.shippedConfigs())('shipped config %s runs (data and sizes shrunk)', async (file) => {
    const raw = h.raw(file, [
      `data={source: csv, path: ${csv}, shape: [8, 8, 1]}`,
      'teacher.model={kind: resnet, widths: [4], blocksPerStage: 1}',
      'teacher.train={epochs: 2, batchSize: 32, lr: 0.02}',
      'verifier.model={kind: mlp, hidden: [8]}',
      'verifier.train={epochs: 1, batchSize: 32, lr: 0.01}',
      'synthesis.batchSize=8',
      'synthesis.iterations=2',
      'rounds.count=1',
      'rounds.imagesPerRound=8',
      'rounds.stepsPerRound=2',
    ]);
    const shrunk = raw['task'] === 'train' ? h.raw(raw, ['learner.model={kind: resnet, widths: [4], blocksPerStage: 1}', 'train.epochs=1']) : h.raw(raw, ['learner.model={kind: mlp, hidden: [4]}']);
    const { summary } = await h.run(h.config(shrunk), { outDir: h.tmp('kt-di-cfg-') });
    expect(summary.status).toBe('completed');
    expect(summary.test!['accuracy']).toBeGreaterThanOrEqual(0);
  });

  it('plugin meta-check: schema tasks match the registered ones, strict schemas, shipped configs pass their checks', () => {
    expect(pluginProblems(deepinversionPlugin)).toEqual([]);
  });

  it('distils without data in rounds: growing pool, PNG grid and scores per round, real-test accuracy per round; resumable from its images', async () => {
    const out = h.tmp('kt-di-');
    const config = h.config(tinyConfig(['synthesis.loss.competition=1']));
    const before = tf.memory().numTensors;
    const { summary, runDir, log } = await h.run(config, { outDir: out });
    expect(summary.status).toBe('completed');
    expect(tf.memory().numTensors).toBe(before);
    const artifacts = path.join(runDir, 'artifacts');
    const records = fs
      .readFileSync(path.join(artifacts, 'rounds.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RoundRecord);
    expect(records.map((r) => `${r.round}:${r.event}`)).toEqual(['0:images', '0:trained', '1:images', '1:trained']);
    const images = records.filter((r) => r.event === 'images');
    for (const r of images) {
      expect(r.images).toBe(20);
      expect(r.teacherAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.verifierAccuracy).toBeGreaterThanOrEqual(0);
      expect(Object.keys(r.terms!)).toEqual(['ce', 'feature', 'tvL2', 'l2', 'competition', 'total']);
    }
    expect(images[1]!.teacherConfidence!).toBeGreaterThan(0);
    expect(images[1]!.teacherConfidence!).toBeLessThanOrEqual(1);
    expect(records.find((r) => r.event === 'trained' && r.round === 1)!.test).toBeCloseTo(summary.test!['accuracy']!, 6);
    const grid = decodePng(fs.readFileSync(path.join(artifacts, 'round-1', 'grid.png')));
    expect(grid.height).toBe(4 * (8 * 2 + 1));
    expect(log.some((l) => /round 1: 20 synthesized images/.test(l))).toBe(true);
    // a second identical run reuses teacher and verifier from core's cache and gives the same student
    const again = await h.run(config, { outDir: out });
    expect(again.summary.test).toEqual(summary.test);
  });

  it('exit-2 errors: a teacher without BatchNorm (says how to turn the term off), distill with train.epochs', async () => {
    const noBn = h.config(tinyConfig(['teacher.model={kind: mlp, hidden: [16]}']));
    const issues = experimentIssues(deepInversionDistillTask, noBn);
    expect(JSON.stringify(issues)).toMatch(/synthesis.loss.feature.*needs BatchNorm statistics.*set synthesis.loss.feature: 0/);
    await expect(h.run(noBn, { outDir: h.tmp('kt-di-nobn-') })).rejects.toThrow(ConfigError);
    const withEpochs = h.config(tinyConfig(['train.epochs=2']));
    expect(JSON.stringify(experimentIssues(deepInversionDistillTask, withEpochs))).toMatch(/leave train.steps and train.epochs out/);
  });

  it('synthesis lowers the teacher\'s cross-entropy and the BN-statistics gap, and is a function of the seed', () => {
    const teacher = createResNet({ inputShape: [8, 8, 1], widths: [4], blocksPerStage: 1, numClasses: 3, seed: 5 });
    const labels = Int32Array.from([0, 1, 2, 0, 1, 2]);
    // each term alone (no jitter or flips): Adam on the pixels lowers it
    const run = (loss: Record<string, number>): { first: number; last: number; images: Float32Array } => {
      const seen: number[] = [];
      const settings = SynthesisSchema.parse({ iterations: 15, lr: 0.1, jitter: 0, flip: false, loss: { ce: 0, feature: 0, tvL2: 0, l2: 0, ...loss } });
      const out = synthesizeBatch({ teacher, labels, shape: [8, 8, 1], settings, rng: Rng.fromSeed(1), onIteration: (_, t) => seen.push(t.total) });
      expect(seen).toHaveLength(15);
      return { first: seen[0]!, last: seen[14]!, images: out.images };
    };
    const before = tf.memory().numTensors;
    const ce = run({ ce: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(ce.last).toBeLessThan(ce.first);
    const feature = run({ feature: 1 });
    expect(feature.last).toBeLessThan(0.9 * feature.first);
    const a = feature;
    const settings = SynthesisSchema.parse({ iterations: 3, lr: 0.2, jitter: 1, flip: true });
    expect(Math.min(...a.images)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.images)).toBeLessThanOrEqual(1);
    const b = synthesizeBatch({ teacher, labels, shape: [8, 8, 1], settings, rng: Rng.fromSeed(1) });
    const c = synthesizeBatch({ teacher, labels, shape: [8, 8, 1], settings, rng: Rng.fromSeed(1) });
    expect(Array.from(b.images)).toEqual(Array.from(c.images));
    const warm = synthesizeBatch({ teacher, labels, shape: [8, 8, 1], settings: { ...settings, iterations: 6, warmupIterations: 3 }, rng: Rng.fromSeed(2) });
    expect(warm.images).toHaveLength(6 * 64);
    teacher.dispose();
  });

  it('a NaN during synthesis stops with the iteration and every term', () => {
    const teacher = createResNet({ inputShape: [4, 4, 1], widths: [2], blocksPerStage: 1, numClasses: 2, seed: 0 });
    const settings = SynthesisSchema.parse({ iterations: 5, lr: Number.MAX_VALUE, clip: false, jitter: 0, loss: { tvL2: 0, l2: 1 } });
    let error: unknown;
    try {
      synthesizeBatch({ teacher, labels: Int32Array.from([0, 1]), shape: [4, 4, 1], settings, rng: Rng.fromSeed(0) });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SynthesisDivergedError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as SynthesisDivergedError).iteration).toBeGreaterThan(1);
    expect((error as Error).message).toMatch(/not finite at iteration \d+: ce=.*, feature=.*, l2=.*, total=/);
    teacher.dispose();
  });

  it('kt deepinversion synthesize: images, tensor file, grid and summary from a teacher run; shape/class mismatch and no-BN teachers are ConfigErrors', async () => {
    const out = h.tmp('kt-di-syn-');
    const trainCfg = h.config(tinyConfig(), ['task=train', 'learner.model={kind: resnet, widths: [4], blocksPerStage: 1}', 'train.epochs=2', 'backend=cpu']);
    const { runDir } = await h.run(trainCfg, { outDir: out });
    const dest = path.join(out, 'images');
    const before = tf.memory().numTensors;
    const result = synthesizeFromRun({ teacher: runDir, perClass: 2, out: dest, iterations: 3, batchSize: 8 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.images).toBe(8);
    expect(result.terms).toHaveLength(1);
    expect(fs.readdirSync(dest).sort()).toEqual(['grid.png', 'images.bin', 'images.json', 'summary.json']);
    expect(() => synthesizeFromRun({ teacher: runDir, perClass: 1, out: dest, classes: 7 })).toThrow(/--classes 7 does not match the teacher of .*: it has 4 classes/);
    expect(() => synthesizeFromRun({ teacher: runDir, perClass: 1, out: dest, shape: '32x32x3' })).toThrow(/--shape 32x32x3 does not match the teacher of .*: it takes 8x8x1 images/);
    const mlpCfg = h.config(tinyConfig(), ['task=train', 'learner.model={kind: mlp, hidden: [8]}', 'train.epochs=1', 'backend=cpu']);
    const mlpRun = await h.run(mlpCfg, { outDir: out });
    expect(() => synthesizeFromRun({ teacher: mlpRun.runDir, perClass: 1, out: dest })).toThrow(/no BatchNorm layer.*feature-weight|no BatchNorm layer.*synthesis.loss.feature: 0/);

    // the same through the command line (`kt deepinversion synthesize`): flags, files, the printed summary, and the
    // errors the CLI turns into exit 2 (ConfigError's exitCode; ZodError and CommanderError map to 2 in @kt/cli)
    const kt = async (...argv: string[]): Promise<string> => {
      let stdout = '';
      const program = new Command('kt').exitOverride().configureOutput({ writeOut: (t) => (stdout += t), writeErr: () => undefined });
      deepInversionSynthesizeContribution.configure(program);
      await program.parseAsync(['node', 'kt', 'deepinversion', 'synthesize', ...argv]);
      return stdout;
    };
    const cliDest = path.join(out, 'cli-images');
    const printed = await kt('--teacher', runDir, '--per-class', '3', '--out', cliDest, '--iterations', '2', '--batch-size', '6', '--seed', '4');
    expect(tf.getBackend()).toBe('cpu');
    expect(printed).toMatch(/^12 images, teacher accuracy \d+\.\d% \(confidence \d\.\d{3}\), \d+ image-iterations\/s\n/);
    expect(printed).toContain(path.join(cliDest, 'grid.png'));
    const cliSummary = JSON.parse(fs.readFileSync(path.join(cliDest, 'summary.json'), 'utf8')) as { images: number; settings: { iterations: number; batchSize: number } };
    expect(cliSummary.images).toBe(12);
    expect(cliSummary.settings).toMatchObject({ iterations: 2, batchSize: 6 });
    const classes = await kt('--teacher', runDir, '--per-class', '1', '--out', cliDest, '--classes', '7').catch((e: unknown) => e);
    expect(classes).toBeInstanceOf(ConfigError);
    expect((classes as ConfigError).exitCode).toBe(2);
    const noBnCli = await kt('--teacher', mlpRun.runDir, '--per-class', '1', '--out', cliDest).catch((e: unknown) => e);
    expect(noBnCli).toBeInstanceOf(ConfigError);
    expect((noBnCli as ConfigError).exitCode).toBe(2);
    expect((noBnCli as Error).message).toMatch(/no BatchNorm layer/);
    const badFlag = await kt('--teacher', runDir, '--per-class', 'three', '--out', cliDest).catch((e: unknown) => e);
    expect(badFlag).toBeInstanceOf(ZodError);
    expect(JSON.stringify((badFlag as ZodError).issues)).toContain('--per-class must be a number');
    const missing = await kt('--per-class', '1', '--out', cliDest).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CommanderError);
    expect((missing as CommanderError).message).toMatch(/--teacher/);
  });
});
