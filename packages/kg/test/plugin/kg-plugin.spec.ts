import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { applyOverrides, ConfigError, disposeMap, pluginProblems, readRunConfig, readRunWeights, validateExperiment, type RawConfig } from '@kt/core';
import { pluginHarness, useBackend, type HarnessRun } from '@kt/core/testing';
import { kgPlugin, predictRun } from '../../src';
import { sharedData } from '../helpers';
import { syntheticDbp5l } from './synthetic-dbp5l';

const h = pluginHarness(kgPlugin, '@kt/kg');

/** dbp5l-el-kens.yaml shrunk to the synthetic three-language graph in `dir` (target xx, supports yy and zz). */
const kensOverrides = (dir: string): string[] => [
  `data.dir=${dir}`,
  'data.language=xx',
  'data.supports=[yy, zz]',
  'model.dim=16',
  'train.epochs=25',
  'train.batchSize=128',
  'kens.alignBatch=64',
  'kens.selfLearning.every=10',
  'kens.selfLearning.maxNew=10',
  'kens.topK=5',
];
const { container } = h;
// wasm: tfjs's CPU kernels take seconds per RotatE step (the same step is ~10x faster on wasm).
useBackend('wasm');

async function run(raw: RawConfig, overrides: string[], outDir = h.tmp()): Promise<HarnessRun> {
  return h.run(h.config(raw, overrides), { outDir });
}

const small = ['data.entities=300', 'train.epochs=20', 'train.batchSize=256', 'train.evalEvery=1000', 'eval.batchSize=128', 'negatives.count=16'];

describe('kg plugin', () => {
  it('plugin meta-check: schema tasks match the registered ones, every shipped config passes its schema and task checks', () => {
    expect(pluginProblems(kgPlugin)).toEqual([]);
  });

  it.each(h.shippedConfigs())('shipped config %s validates', (file) => {
    expect(h.config(file).plugin).toBe('kg');
  });

  it.each(['wordnet-transe.yaml', 'wordnet-rotate.yaml', 'wordnet-distmult.yaml', 'wordnet-complex.yaml'])('%s trains and evaluates far better than chance, without leaking tensors', async (file) => {
    const before = tf.memory().numTensors;
    const { runDir, summary } = await run(h.raw(file), [...small, 'model.dim=16']);
    expect(summary.status).toBe('completed');
    // 300 entities: a random ranking has MRR ≈ 0.02 and AMR 1.
    expect(summary.test!['mrr']).toBeGreaterThan(0.06);
    expect(summary.test!['amr']).toBeLessThan(0.5);
    expect(tf.memory().numTensors).toBe(before);
    const report = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'eval-test.json'), 'utf8'));
    expect(report.unseenPolicy).toBe('keep');
    expect(Object.keys(report.perRelation).length).toBeGreaterThan(1);
    expect(fs.readFileSync(path.join(runDir, 'artifacts', 'eval-test.txt'), 'utf8')).toMatch(/unseen policy: keep\nqueries/);
  });

  it('kt kg predict ranks the tails of a training triple near the top, by label', async () => {
    const { runDir } = await run(h.raw('wordnet-distmult.yaml'), [...small, 'train.epochs=30']);
    const graph = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'graph.json'), 'utf8'));
    expect(graph.labels).toHaveLength(300);
    const result = predictRun({ run: runDir, head: graph.entities[0], relation: 'hypernym', k: 5 });
    expect(result.predictions).toHaveLength(5);
    expect(result.query).toMatch(/^\(.*, _hypernym, \?\)$/);
    const scores = result.predictions.map((p) => p.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(() => predictRun({ run: runDir, head: 'no such synset', relation: '_hypernym' })).toThrow(ConfigError);
    expect(() => predictRun({ run: runDir, tail: graph.entities[0], relation: '_nope' })).toThrow(/unknown relation "_nope"/);
    expect(() => predictRun({ run: runDir, relation: '_hypernym' })).toThrow(/exactly one of --head/);
  });

  it('kens: trains languages jointly with alignment and self-learning, and reports every ensemble rule', async () => {
    const dir = syntheticDbp5l();
    const raw = h.raw('dbp5l-el-kens.yaml', kensOverrides(dir));
    const single = await run(applyOverrides(raw, ['task=train', 'kens.selfLearning.every=1000']), []);
    const { runDir, summary } = await run(raw, []);
    expect(summary.status).toBe('completed');
    for (const key of ['mrr', 'majority_hits1', 'mrr_weighted_mrr', 'boost_hits10']) expect(summary.test![key]).toBeGreaterThanOrEqual(0);
    // The sparse target gains from the support languages.
    expect(Math.max(summary.test!['majority_mrr']!, summary.test!['mrr_weighted_mrr']!, summary.test!['boost_mrr']!)).toBeGreaterThan(single.summary.test!['mrr']!);
    const report = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'eval-test.json'), 'utf8'));
    expect(Object.keys(report.ensembles)).toEqual(['majority', 'mrr-weighted', 'boost']);
    expect(report.ensembles['majority'].weights).toEqual([1, 1, 1]);
    expect(Object.keys(report.perLanguageModel)).toEqual(['xx', 'yy', 'zz']);
    expect(report.learnedLinks['yy']).toBeGreaterThan(0);
  });

  it('kens per-language (KEnS scoring): a relation table per language; ensembles beat the target alone; kd and kt kg predict read the run', async () => {
    const dir = syntheticDbp5l();
    const raw = h.raw('dbp5l-el-kens.yaml', [...kensOverrides(dir), 'kens.models=per-language']);
    const single = await run(applyOverrides(raw, ['task=train', 'kens.selfLearning.every=1000']), []);
    const { runDir, summary } = await run(raw, []);
    expect(summary.status).toBe('completed');
    const weights = readRunWeights(runDir);
    expect(weights.get('kg/relation')!.shape[0]).toBe(3 * 3); // 3 relations × 3 languages
    disposeMap(weights);
    expect(Math.max(summary.test!['majority_mrr']!, summary.test!['mrr_weighted_mrr']!, summary.test!['boost_mrr']!)).toBeGreaterThan(single.summary.test!['mrr']!);
    const report = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'eval-test.json'), 'utf8'));
    expect(report.models).toBe('per-language');
    // Each support language ranks with its own model: their results differ from the target's.
    expect(report.perLanguageModel['yy'].mrr).not.toBeCloseTo(report.perLanguageModel['xx'].mrr, 6);
    const kd = await run(h.raw('dbp5l-el-kd.yaml', [`data.dir=${dir}`, 'data.language=xx', 'data.supports=[yy, zz]', 'model.dim=16', `teacher.checkpoint=${runDir}`, 'train.epochs=5', 'train.batchSize=64']), []);
    expect(kd.summary.status).toBe('completed');
    const graph = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'graph.json'), 'utf8'));
    expect(predictRun({ run: runDir, head: graph.entities[0], relation: graph.relations[0], k: 3 }).predictions).toHaveLength(3);
  });

  it('kens: the self-learned links are checkpointed, so an interrupted and resumed run equals an uninterrupted one', async () => {
    const dir = syntheticDbp5l(2);
    const raw = h.raw('dbp5l-el-kens.yaml', [
      `data.dir=${dir}`,
      'data.language=xx',
      'data.supports=[yy, zz]',
      'model.dim=8',
      'train.epochs=3',
      'train.batchSize=64',
      'train.checkpointEvery=1000',
      'kens.alignBatch=64',
      'kens.selfLearning.every=1',
      'kens.selfLearning.maxNew=5',
      'kens.topK=5',
      'kens.maxValidQueries=20',
    ]);
    const config = h.config(raw);
    const full = await h.run(config);
    expect(full.summary.status).toBe('completed');
    const perEpoch = full.summary.steps! / 3;
    // Stop half way through epoch 2: after the first self-learning (start of epoch 1), before the second.
    let steps = 0;
    const stopAt = Math.floor(1.5 * perEpoch);
    const partial = await h.run(config, { callbacks: [{ onStepEnd: () => void (steps += 1) }], shouldStop: () => steps >= stopAt });
    expect(partial.summary.status).toBe('interrupted');
    const resumed = await h.run(h.config(readRunConfig(partial.runDir)), { resumeDir: partial.runDir });
    expect(resumed.summary.status).toBe('completed');
    const a = readRunWeights(full.runDir);
    const b = readRunWeights(resumed.runDir);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect(a.get('kens/learned/yy/target')!.size + a.get('kens/learned/zz/target')!.size).toBeGreaterThan(0);
    for (const [key, t] of a) expect(Array.from(b.get(key)!.dataSync())).toEqual(Array.from(t.dataSync()));
    disposeMap(a);
    disposeMap(b);
    const learned = (runDir: string): unknown => JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'eval-test.json'), 'utf8')).learnedLinks;
    expect(learned(resumed.runDir)).toEqual(learned(full.runDir));
    expect(resumed.summary.test).toEqual(full.summary.test);
  });

  it('kd: provisions the kens teacher as a cached run of its own and distils it with backward KL', async () => {
    const dir = syntheticDbp5l(1);
    const out = h.tmp();
    const raw = h.raw('dbp5l-el-kd.yaml', [
      `data.dir=${dir}`,
      'data.language=xx',
      'data.supports=[yy, zz]',
      'model.dim=16',
      'teacher.train.epochs=20',
      'teacher.train.batchSize=128',
      'train.epochs=20',
      'train.batchSize=64',
      'kens.alignBatch=64',
    ]);
    const first = await run(raw, [], out);
    expect(first.summary.status).toBe('completed');
    expect(first.summary.teachers).toHaveLength(1);
    const teacherSummary = JSON.parse(fs.readFileSync(path.join(first.summary.teachers![0]!.runDir, 'summary.json'), 'utf8'));
    expect(teacherSummary).toMatchObject({ plugin: 'kg', task: 'kens', status: 'completed' });
    const noKd = await run(raw, ['task=train'], out);
    expect(first.summary.test!['mrr']).toBeGreaterThan(noKd.summary.test!['mrr']!);
    const support = await run(raw, ['teacher.source=yy', 'transfer.divergence=forward'], out);
    expect(support.summary.teachers![0]!.fromCache).toBe(true);
    expect(support.summary.test!['mrr']).toBeGreaterThan(0);
  });

  it('kt validate names the bad fields of kens/kd configs', () => {
    const raw = h.raw('dbp5l-el-kd.yaml', ['data.dir=/nonexistent/dbp5l', 'teacher.source=de', 'teacher.checkpoint=/nonexistent/run']);
    let message = '';
    try {
      validateExperiment(h.config(raw), container, 'kd.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain('- data.dir: /nonexistent/dbp5l does not exist');
    expect(message).toContain('- teacher.source: "de" is neither ensemble nor a support language (en, es, fr, ja)');
    expect(message).toContain('- teacher.checkpoint: /nonexistent/run is not a finished kt run');
    const kens = h.raw('dbp5l-el-kens.yaml', ['data={source: wordnet}']);
    expect(() => validateExperiment(h.config(kens), container, 'kens.yaml')).toThrow(/- data.source: task kens needs several language KGs/);
  });

  it('Countries S1 trains from the shipped config when ../shared/data is present', async () => {
    const dir = sharedData('countries_S1');
    if (!dir) return;
    const { summary } = await run(h.raw('countries-distmult.yaml'), [`data.dir=${dir}`, 'train.epochs=30']);
    expect(summary.test!['mrr']).toBeGreaterThan(0.3);
  });
});
