import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, disposeMap, latestCheckpoint, loadTensors, experimentIssues, type BaseExperimentConfig, type RawConfig } from '@kt/core';
import { pluginHarness, useBackend, type HarnessRun } from '@kt/core/testing';
import { corpusBleu, corpusChrf, mtPlugin, mtTrainTask, syntheticPairs, teacherRunConfig, translateRun, type MtConfig } from '../../src';

jest.setTimeout(120_000);

const h = pluginHarness(mtPlugin, '@kt/mt');
const { tmp } = h;
useBackend('wasm');

const DATA = { source: 'synthetic', n: 80, evalN: 8, seed: 3, maxLen: 30 };
const SIZES = { dModel: 16, heads: 2, ffDim: 16, encoderLayers: 1, decoderLayers: 1, dropout: 0 };

function tinyRaw(extra: RawConfig = {}): RawConfig {
  return {
    name: 'tiny-train',
    plugin: 'mt',
    task: 'train',
    backend: 'wasm',
    data: DATA,
    tokenizer: { vocabSize: 70, minFrequency: 2 },
    learner: { model: SIZES },
    decode: { beam: 1, maxLen: 12, batchSize: 8 },
    train: { steps: 4, batchSize: 16, lr: 0.01, logEvery: 100 },
    ...extra,
  };
}

const resolve = (raw: RawConfig): BaseExperimentConfig => h.config(raw);

async function run(raw: RawConfig, outDir: string): Promise<HarnessRun> {
  return h.run(resolve(raw), { outDir });
}

function maxAbsDiff(a: Map<string, tf.Tensor>, b: Map<string, tf.Tensor>): number {
  let worst = 0;
  for (const [name, t] of a) worst = Math.max(worst, tf.tidy(() => tf.max(tf.abs(tf.sub(t, b.get(name)!))).dataSync()[0]!));
  return worst;
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('learner.init', () => {
  const out = tmp('kt-mt-init-');
  let base = '';
  beforeAll(async () => {
    base = (await run(tinyRaw({ train: { steps: 6, batchSize: 16, lr: 0.01, logEvery: 100 } }), out)).runDir;
  });

  it('starts the learner from the run weights (and from a checkpoint directory), not from a random init', async () => {
    const saved = loadTensors(latestCheckpoint(path.join(base, 'checkpoints'))!, 'learner');
    // lr so small that one Adam step moves no weight by more than ~1e-9: the run's weights are the init's.
    const still = { steps: 1, batchSize: 16, lr: 1e-9, logEvery: 100 };
    const fromRun = await run(tinyRaw({ name: 'from-run', learner: { model: SIZES, init: base }, train: still }), out);
    expect(fromRun.log.some((l) => l.includes(`learner: initialised from ${base}`))).toBe(true);
    const ckpt = latestCheckpoint(path.join(base, 'checkpoints'))!;
    const fromCkpt = await run(tinyRaw({ name: 'from-ckpt', learner: { model: SIZES, init: ckpt }, train: still }), out);
    const scratch = await run(tinyRaw({ name: 'scratch', train: still }), out);
    const weights = (dir: string): Map<string, tf.Tensor> => loadTensors(latestCheckpoint(path.join(dir, 'checkpoints'))!, 'learner');
    const [a, b, c] = [weights(fromRun.runDir), weights(fromCkpt.runDir), weights(scratch.runDir)];
    expect(maxAbsDiff(saved, a)).toBeLessThan(1e-6);
    expect(maxAbsDiff(saved, b)).toBeLessThan(1e-6);
    expect(maxAbsDiff(saved, c)).toBeGreaterThan(1e-3);
    for (const m of [saved, a, b, c]) disposeMap(m);
  });

  it('another architecture is refused by validate (naming the field) and by the run (exit 2)', async () => {
    const raw = tinyRaw({ learner: { model: { ...SIZES, dModel: 32 }, init: base } });
    const issues = experimentIssues(mtTrainTask, resolve(raw));
    expect(issues.map((i) => i.path)).toContain('learner.init');
    expect(issues.find((i) => i.path === 'learner.init')!.message).toContain('dModel 16 (init) ≠ 32 (this config)');
    const err = await errorOf(run(raw, out));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/learner\.init: .*another architecture than learner\.model: dModel 16 \(init\) ≠ 32/);
  });

  it('another tokenizer is refused naming both fingerprints; a bad path is a validate issue', async () => {
    const saved = JSON.parse(fs.readFileSync(path.join(base, 'artifacts', 'model.json'), 'utf8')) as { tokenizerFingerprint: string };
    const err = await errorOf(run(tinyRaw({ tokenizer: { vocabSize: 90, minFrequency: 1 }, learner: { model: SIZES, init: base } }), out));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(saved.tokenizerFingerprint);
    expect(err.message).toMatch(/learner\.init: .*vocabulary [0-9a-f]{16}.*tokenizer is [0-9a-f]{16}/);
    const missing = experimentIssues(mtTrainTask, resolve(tinyRaw({ learner: { model: SIZES, init: path.join(out, 'nope') } })));
    expect(missing).toEqual([{ path: 'learner.init', message: expect.stringContaining('no such directory') as unknown as string }]);
  });
});

describe('validation BLEU and the best checkpoint', () => {
  const out = tmp('kt-mt-val-');

  it('scores a fixed greedy val subset at evalEvery, stops early on it, and tests and translates with the best weights', async () => {
    const raw = tinyRaw({
      decode: { beam: 2, maxLen: 12, batchSize: 8 },
      validation: { limit: 3 },
      train: { steps: 40, batchSize: 16, lr: 0.02, logEvery: 100, evalEvery: 2, earlyStopping: { metric: 'bleu', patience: 2 } },
    });
    const { runDir, summary } = await run(raw, out);
    const vals = fs
      .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((m) => m['split'] === 'val');
    expect(vals.length).toBeGreaterThanOrEqual(2);
    expect(fs.existsSync(path.join(runDir, 'checkpoints', 'best', 'learner.bin'))).toBe(true);
    // The run's val score (best weights restored) is greedy BLEU on the first 3 val sentences.
    const val = syntheticPairs({ n: DATA.evalN, seed: DATA.seed + 1_000_003 }).slice(0, 3);
    const greedy = translateRun(runDir, val.map((p) => p.src), { beam: 1 });
    expect(greedy.weights.endsWith(path.join('checkpoints', 'best'))).toBe(true);
    expect(summary.val!['bleu']).toBeCloseTo(corpusBleu(greedy.translations, [val.map((p) => p.tgt)]).score, 9);
    // The test score is the best checkpoint's, decoded with decode.beam; translate uses the best weights by default.
    const test = syntheticPairs({ n: DATA.evalN, seed: DATA.seed + 2_000_006 });
    const byDefault = translateRun(runDir, test.map((p) => p.src));
    expect(summary.test!['bleu']).toBeCloseTo(corpusBleu(byDefault.translations, [test.map((p) => p.tgt)]).score, 9);
    expect(byDefault.translations).toEqual(fs.readFileSync(path.join(runDir, 'artifacts', 'test.hyp.txt'), 'utf8').trimEnd().split('\n'));
    const latest = translateRun(runDir, test.map((p) => p.src), { checkpoint: 'latest' });
    expect(latest.weights).toBe(latestCheckpoint(path.join(runDir, 'checkpoints')));
  });

  it('the validation knob is strict and bounded', () => {
    expect(() => resolve(tinyRaw({ validation: { limit: 0 } }))).toThrow(/validation\.limit/);
    expect(() => resolve(tinyRaw({ validation: { greedy: true } }))).toThrow(/validation/);
  });
});

describe('data.evalSets', () => {
  const out = tmp('kt-mt-evalsets-');

  it('scores every extra test set at the end into summary.json and writes its translations', async () => {
    const pairs = syntheticPairs({ n: 5, seed: 77 });
    const tsv = path.join(out, 'extra.tsv');
    fs.writeFileSync(tsv, pairs.map((p) => `${p.src}\t${p.tgt}\n`).join(''));
    const src = path.join(out, 'gz.src.gz');
    const tgt = path.join(out, 'gz.tgt.gz');
    const more = syntheticPairs({ n: 4, seed: 78 });
    fs.writeFileSync(src, zlib.gzipSync(more.map((p) => `${p.src}\n`).join('')));
    fs.writeFileSync(tgt, zlib.gzipSync(more.map((p) => `${p.tgt}\n`).join('')));
    const { runDir, summary } = await run(tinyRaw({ data: { ...DATA, evalSets: { extra: { tsv }, 'gz-set': { src, tgt } } } }), out);
    for (const [name, set] of [['extra', pairs], ['gz-set', more]] as const) {
      const hyps = translateRun(runDir, set.map((p) => p.src)).translations;
      expect(summary.test![`test_${name}_bleu`]).toBeCloseTo(corpusBleu(hyps, [set.map((p) => p.tgt)]).score, 9);
      expect(summary.test![`test_${name}_chrf`]).toBeCloseTo(corpusChrf(hyps, [set.map((p) => p.tgt)]).score, 9);
      expect(Number.isFinite(summary.test![`test_${name}_nll`])).toBe(true);
      expect(fs.readFileSync(path.join(runDir, 'artifacts', `test_${name}.hyp.txt`), 'utf8')).toBe(hyps.map((h) => `${h}\n`).join(''));
      expect(fs.readFileSync(path.join(runDir, 'artifacts', `test_${name}.ref.txt`), 'utf8')).toBe(set.map((p) => `${p.tgt}\n`).join(''));
    }
    const onDisk = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as { test: Record<string, number> };
    expect(onDisk.test['test_extra_bleu']).toBe(summary.test!['test_extra_bleu']);
  });

  it('missing files are validate issues, invalid UTF-8 a ConfigError naming the file, bad names schema errors', async () => {
    const issues = experimentIssues(mtTrainTask, resolve(tinyRaw({ data: { ...DATA, evalSets: { x: { src: path.join(out, 'a'), tgt: path.join(out, 'b') } } } })));
    expect(issues.map((i) => i.path)).toEqual(['data.evalSets.x.src', 'data.evalSets.x.tgt']);
    const bad = path.join(out, 'bad.tsv');
    fs.writeFileSync(bad, Buffer.concat([Buffer.from('a b\tc d\n'), Buffer.from([0x61, 0xff, 0x09, 0x62, 0x0a])]));
    const err = await errorOf(run(tinyRaw({ data: { ...DATA, evalSets: { bad: { tsv: bad } } } }), out));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`${bad}: not valid UTF-8`);
    expect(() => resolve(tinyRaw({ data: { ...DATA, evalSets: { 'a b': { tsv: bad } } } }))).toThrow(/evalSets/);
  });

  it('extra test sets change neither the teacher run config (its cache key) nor the tokenizer', () => {
    const plain = resolve(tinyRaw({ task: 'word-kd' })) as MtConfig;
    const withSets = resolve(tinyRaw({ task: 'word-kd', data: { ...DATA, evalSets: { x: { tsv: 'x.tsv' } } } })) as MtConfig;
    expect(teacherRunConfig(withSets)).toEqual(teacherRunConfig(plain));
  });
});
