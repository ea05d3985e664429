// Unit checks of the kg doc's generated blocks (tools/bench/kg/report.mjs) on a hand-made results directory: the
// tables come from the JSON only, a cell a file lacks prints "not run", the prose outside the markers is kept, and a
// WN18RR row reads its config and validation curve from its run directory. No benchmark runs here.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeReport, replaceBlock, dbp5lFiles } from '../kg/report.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-bench-kg-report-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const results = path.join(dir, 'results');
fs.mkdirSync(results);
const put = (file, value) => fs.writeFileSync(file, JSON.stringify(value));
const m = (hits1, hits10, mrr) => ({ hits1, hits10, mrr });

// A finished RotatE run directory that stopped early (lr 0.002, val MRR every 850 steps, patience 3).
const runDir = path.join(dir, 'runs', '20261202-142103-wn18rr-rotate');
fs.mkdirSync(runDir, { recursive: true });
put(path.join(runDir, 'config.json'), { negatives: { count: 64 }, train: { epochs: 30, lr: 0.002, evalEvery: 850, earlyStopping: { metric: 'mrr', patience: 3, mode: 'max' } } });
put(path.join(runDir, 'summary.json'), { status: 'stopped-early', steps: 4250 });
fs.writeFileSync(
  path.join(runDir, 'metrics.jsonl'),
  [
    { step: 850, split: 'val', mrr: 0.39 },
    { step: 850, split: 'train', loss: 1 },
    { step: 1700, split: 'val', mrr: 0.463 },
    { step: 4250, split: 'val', mrr: 0.41 },
    { step: 4250, split: 'val', mrr: 0.463 },
  ].map((x) => JSON.stringify(x)).join('\n'),
);
const transe = { model: 'transe', dim: 128, epochs: 30, seconds: 1251.004, test: { mrr: 0.1878, hits1: 0.0145, hits10: 0.4809, amr: 0.2113 }, tail: { count: 3134 }, libkge: { mrr: 0.228, hits10: 0.52 } };
put(path.join(results, 'kg.json'), {
  backend: 'wasm',
  native: { active: true, blas: 'openblas', threads: 2 },
  machine: { cpus: 2, cpuModel: 'AMD EPYC', memGiB: 24, node: '20.20.2' },
  speed: [{ model: 'transe', dim: 128, negatives: 128, batch: 512, steps: 20, triplesPerSecond: 2344.4, evalTriples: 3134, evalSeconds: 4.4775, torch: { torch: '1.13.0a0', threads: 2, triplesPerSecond: 2185.4, evalSeconds: 4.5764 } }],
  wn18rr: [{ model: 'rotate', dim: 128, epochs: 30, seconds: 3000, test: { mrr: 0.45, hits1: 0.41, hits10: 0.52, amr: 0.2 }, tail: { count: 3134 }, libkge: { mrr: 0.478, hits10: 0.553 }, runDir }],
});
// The extra file repeats the TransE result under another run directory (shown once) and adds a RotatE run without one.
put(path.join(results, 'kg-wn18rr-rotate-lr0.005.json'), {
  wn18rr: [
    { ...transe, runDir: '/nowhere/20261202-131406-wn18rr-transe' },
    { model: 'rotate', dim: 128, epochs: 30, seconds: 2604.8, test: { mrr: 0.2043, hits1: 0.137, hits10: 0.328, amr: 0.2082 }, tail: { count: 3134 }, libkge: { mrr: 0.478, hits10: 0.553 } },
  ],
});
const extra = path.join(dir, 'named.json');
put(extra, { wn18rr: [{ ...transe, runDir: '/nowhere/wn18rr-transe' }] });
// Greek with every shared-table cell but no per-language cell; a tagged Greek protocol with only the per-language cell.
put(path.join(results, 'kg-dbp5l-el.json'), {
  language: 'el',
  kensPublishedHits1: 26.4,
  overrides: ['kens.supportValid=true'],
  single: m(0.061, 0.373, 0.174),
  kensJointTarget: m(0.03, 0.127, 0.065),
  majority: m(0.03, 0.126, 0.065),
  mrrWeighted: m(0.03, 0.126, 0.065),
  boost: m(0.03, 0.127, 0.065),
  kd: m(0.026, 0.126, 0.061),
  tailOnly: { single: m(0.088, 0.536, 0.245), kensJointTarget: m(0.061, 0.251, 0.128), majority: m(0.061, 0.25, 0.128), mrrWeighted: m(0.061, 0.25, 0.128), boost: m(0.061, 0.251, 0.128), kd: m(0.051, 0.23, 0.113) },
  ensembleWeights: { 'mrr-weighted': { weights: [0.06, 0.05, 0.05, 0.05, 0.05] }, boost: { weights: [1.21, 0, 0, 0, 0] } },
  seconds: { single: 584.3, kens: 2139.1, kd: 690.4 },
  epochs: { single: 30, kens: 1.5, kd: 8 },
});
put(path.join(results, 'kg-dbp5l-el-e20.json'), {
  language: 'el',
  kensPublishedHits1: 26.4,
  seconds: {},
  epochs: {},
  tailOnly: {},
  perLanguage: {
    kensJointTarget: m(0.082, 0.282, 0.147),
    majority: m(0.09, 0.302, 0.159),
    mrrWeighted: m(0.089, 0.298, 0.158),
    boost: m(0.088, 0.291, 0.158),
    tailOnly: { kensJointTarget: m(0.153, 0.459, 0.248), majority: m(0.159, 0.476, 0.258), mrrWeighted: m(0.158, 0.473, 0.257), boost: m(0.155, 0.471, 0.257) },
    perLanguageModel: { el: m(0, 0, 0.147), en: m(0, 0, 0.134), es: m(0, 0, 0.136), fr: m(0, 0, 0.119), ja: m(0, 0, 0.15) },
    seconds: 1453.4,
    epochs: 20,
  },
});
put(path.join(results, 'kg-dbp5l-ja.json'), { language: 'ja', kensPublishedHits1: 32.9, single: m(0.172, 0.393, 0.252), tailOnly: { single: m(0.256, 0.551, 0.362) }, seconds: { single: 134.6 }, epochs: { single: 30 } });
fs.writeFileSync(path.join(results, 'kg-quick.json'), '{}');

const blocks = ['speed', 'wn18rr', 'dbp5l'].map((b) => `<!-- kt-report:kg:${b}:start -->\nold ${b} numbers 9.99\n<!-- kt-report:kg:${b}:end -->`);
const doc = path.join(dir, 'kg.md');
fs.writeFileSync(doc, `# kg\n\nProse before.\n\n${blocks[0]}\n\nProse between.\n\n${blocks[1]}\n\n${blocks[2]}\n\nProse after.\n`);
const text = writeReport({ resultsDir: results, doc, extra: [extra] });
const block = (name) => text.slice(text.indexOf(`<!-- kt-report:kg:${name}:start`), text.indexOf(`<!-- kt-report:kg:${name}:end -->`));
const rowOf = (name, label) => block(name).split('\n').find((l) => l.startsWith(`| ${label} |`));

test('the doc is rewritten between the markers only, and the file on disk is the returned text', () => {
  assert.equal(fs.readFileSync(doc, 'utf8'), text);
  for (const p of ['Prose before.', 'Prose between.', 'Prose after.']) assert.ok(text.includes(p));
  assert.doesNotMatch(text, /old \w+ numbers/);
  assert.equal(writeReport({ resultsDir: results, doc, extra: [extra] }), text, 'a second run changes nothing');
});

test('speed: kt beside PyTorch with both ratios, machine and backend from the JSON', () => {
  assert.equal(rowOf('speed', 'TransE L2 d 128'), '| TransE L2 d 128 | 20 × 512 (128 neg.) | 2,344 | 2,185 | 1.07 | 3,134 | 4.5 | 4.6 | 1.02 |');
  assert.match(block('speed'), /2 × AMD EPYC, 24 GiB, Node 20\.20\.2; kt backend wasm \+ kt's native kernels \(openblas, 2 threads\)/);
  assert.match(block('speed'), /PyTorch 1\.13\.0a0 with 2 threads/);
});

test('wn18rr: config and validation curve from the run directory, a repeated result once, rows without a run directory say n/a', () => {
  const rows = block('wn18rr').split('\n').filter((l) => /^\| (TransE|RotatE) /.test(l));
  assert.equal(rows.length, 3, rows.join('\n'));
  const stopped = rows[0].split(' | ');
  assert.deepEqual(stopped.slice(2, 7), ['64', '4,250 (config 30 epochs)', '0.002', 'mrr every 850 steps, patience 3, stopped at 4,250, best restored', '3000']);
  assert.match(rows[0], /\| 0\.390 @ 850, 0\.463 @ 1,700, 0\.410 @ 4,250 \|/);
  assert.match(rows[0], /20261202-142103-wn18rr-rotate, kg\.json \|$/);
  assert.match(rows[1], /^\| TransE L2 \| 128 \| n\/a \| n\/a \(config 30 epochs\) \| n\/a \| n\/a \| 1251 \| 3,134 \| 0\.188 \| 0\.015 \| 0\.481 \| 0\.21 \|/);
  // Files named on the command line come before the kg-wn18rr-*.json of the results directory.
  assert.match(rows[1], /\| wn18rr-transe, named\.json \|$/);
  assert.match(rows[2], /\| 0\.204 \| 0\.137 \| 0\.328 \|.*\| no run directory, kg-wn18rr-rotate-lr0\.005\.json \|$/);
  assert.doesNotMatch(block('wn18rr'), /20261202-131406-wn18rr-transe/);
});

test('dbp5l: each file in the issue\'s order, cells missing from a file print "not run", never a number from another file', () => {
  assert.deepEqual(dbp5lFiles(results).map((f) => f.file), ['kg-dbp5l-el.json', 'kg-dbp5l-el-e20.json', 'kg-dbp5l-ja.json']);
  const d = block('dbp5l');
  const e20 = d.slice(d.indexOf('**el (--tag e20)**'), d.indexOf('**ja**'));
  assert.match(e20, /\| single \(target alone\) \| not run \| not run \| {2}\| {2}\|/);
  assert.match(e20, /\| per language \(KEnS\): target model \| 8\.2 \/ 28\.2 \/ 0\.147 \| 15\.3 \/ 45\.9 \/ 0\.248 \| 20 \| 1453 \|/);
  assert.doesNotMatch(e20, /17\.4|8\.8 \/ 53\.6/);
  const el = d.slice(d.indexOf('**el**'), d.indexOf('**el (--tag e20)**'));
  assert.match(el, /\| KD from the shared table \(backward KL\) \| 2\.6 \/ 12\.6 \/ 0\.061 \| 5\.1 \/ 23\.0 \/ 0\.113 \| 8 \| 690 \|/);
  assert.match(el, /\| per language: majority \| not run \| not run \|/);
  assert.match(el, /RankBoost el 1\.21, en 0\.00, es 0\.00, fr 0\.00, ja 0\.00/);
  const summary = d.slice(d.indexOf('Tail Hits@1'));
  assert.match(summary, /\| el \| 8\.8 \| 6\.1 \| 6\.1 \| 6\.1 \| 6\.1 \| 5\.1 \| not run \| not run \| not run \| not run \| 26\.4 \|/);
  assert.match(summary, /\| el \(e20\) \| not run \| not run \| not run \| not run \| not run \| not run \| 15\.3 \| 15\.9 \| 15\.8 \| 15\.5 \| 26\.4 \|/);
  assert.match(summary, /\| ja \| 25\.6 \| not run \| not run \| not run \| not run \| not run \| not run \| not run \| not run \| not run \| 32\.9 \|/);
});

test('a doc without a block is an error naming the block and its markers', () => {
  assert.throws(() => replaceBlock('# kg\n', 'dbp5l', 'x', 'docs/results/kg.md'), /docs\/results\/kg\.md: no block "dbp5l" \(expected the lines <!-- kt-report:kg:dbp5l:start/);
});
