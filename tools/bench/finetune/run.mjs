// Fine-tuning regularisers (issue #12): target test accuracy for every regulariser × regime × labels per class × seed.
// Regimes: related (Fashion-MNIST classes 0–4 → 5–9) and discrepant (MNIST digits → Fashion-MNIST 5–9): the same
// target task, only the source differs. Each regulariser's hyper-parameter is chosen per regime on the target's
// validation split (carved from its training images) at --select-labels labels per class (10) with seed 0 — every
// point of GRID below is run there first — and the chosen value is then run at every labels per class with every
// seed; `scratch` (random init, no transfer) and `none` (plain fine-tuning) have no hyper-parameter. Resumable: each
// finished run is one JSON file under --cells; a restart skips them. Needs the built packages:
// `npx nx run-many -t build -p @kt/core,@kt/vision,@kt/finetune`.
// --figures: learning curves through `kt report` (tools/bench/figures.mjs; needs the built @kt/cli and Chromium) into
// docs/results/fig/finetune-<regime>/ and the Figures blocks of docs/results/finetune.md: per regime, every method at
// its chosen value at --figure-labels labels per class (10) with every seed, one line per method (the mean over the
// seeds with a ± std band; a seed also draws the labelled images, hence `--seed-fields data.target.sampleSeed`). Those
// runs repeat their cells' runs with curves (train loss every 10 steps, validation every 20; the training is the same:
// each is checked against its cell) and are kept as <out>/figures/<cell key>/; one found there finished is drawn, not
// run again. --figures-only draws from those run directories and trains nothing (every run directory and selection
// cell must exist: a missing one is an error naming it).
// Usage: node tools/bench/finetune/run.mjs [--seeds 3] [--labels 10,50,100,all] [--methods …] [--regimes related,discrepant]
//        [--select-labels 10] [--steps 200] [--out DIR] [--data DIR] [--quick] [--default-hp tred,delta,…]
//        [--figures | --figures-only] [--figure-labels 10]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@kt/core';
import { finetunePlugin } from '@kt/finetune';
import { root, flags, writeJson } from '../lib.mjs';
import { writeFigures } from '../figures.mjs';
import { writeReport } from './report.mjs';

const opt = flags({
  seeds: '3',
  labels: '10,50,100,all',
  'select-labels': '10',
  methods: 'scratch,none,l2,l2-sp,at,delta,bss,tred,kd',
  regimes: 'related,discrepant',
  steps: '200',
  out: path.join(os.tmpdir(), 'kt-bench-finetune'),
  cells: path.join(root, 'tools/bench/finetune/results/cells'),
  data: path.join(process.env.KT_SHARED_DATA ?? '/work/shared/data', 'fashion-mnist'),
  quick: false,
  // Methods run at their config's default hyper-parameter only (the grid's middle point), with no search: for a
  // machine too loaded to finish the grid (the report marks them with a grid of 1).
  'default-hp': '',
  figures: false,
  'figures-only': false,
  'figure-labels': '10',
});
const defaultHp = new Set(opt['default-hp'].split(',').filter(Boolean));
const seeds = Array.from({ length: Number(opt.seeds) }, (_, i) => i);
const parseLabels = (l) => (l === 'all' ? 'all' : Number(l));
const labelsList = opt.labels.split(',').map(parseLabels);
const selectLabels = parseLabels(opt['select-labels']);
const regimes = opt.regimes.split(',');
const methods = opt.methods.split(',');
const outDir = path.resolve(opt.out);
const cellsDir = path.resolve(opt.quick ? `${opt.cells}-quick` : opt.cells);
const figuresOnly = opt['figures-only'] === true;
const figures = opt.figures === true || figuresOnly;
const figureLabels = parseLabels(opt['figure-labels']);
const figuresDir = path.join(outDir, opt.quick ? 'figures-quick' : 'figures');
/** What the figure runs log beyond their cells: the curves. Neither changes the training. */
const FIGURE_CURVES = ['train.logEvery=10', 'train.evalEvery=20'];
/** Config fields a seed sets besides train.seed (seeds are paired: the same labelled images for every method). */
const SEED_FIELDS = ['data.target.sampleSeed'];
const fashion = { source: 'idx', dir: path.resolve(opt.data), trainLimit: 30000, testLimit: 5000 };

/** The hyper-parameter grid of each method (fields of its `regularisers[0]` entry), chosen on validation accuracy with seed 0. */
const GRID = {
  scratch: [{}],
  none: [{}],
  l2: [{ weight: 1e-5 }, { weight: 1e-4 }, { weight: 1e-3 }],
  'l2-sp': [{ alpha: 0.001 }, { alpha: 0.01 }, { alpha: 0.1 }],
  at: [{ weight: 10 }, { weight: 100 }, { weight: 1000 }],
  delta: [{ weight: 0.001 }, { weight: 0.01 }, { weight: 0.1 }],
  bss: [{ weight: 1e-4 }, { weight: 1e-3 }, { weight: 1e-2 }],
  tred: [{ weight: 0.001 }, { weight: 0.01 }, { weight: 0.1 }],
  kd: [{ weight: 0.1 }, { weight: 1 }, { weight: 10 }],
};
for (const m of methods) if (!GRID[m]) throw new Error(`unknown method ${m}; known: ${Object.keys(GRID).join(', ')}`);

const log = core.createConsoleLogger({ quiet: false });
const quiet = core.createMemoryLogger();
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => log.info(l) });
const registry = new core.PluginRegistry([{ plugin: finetunePlugin, from: '@kt/finetune' }]);
const container = core.buildContainer([finetunePlugin]);
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const loadStart = load();
log.info(`load average at start: ${loadStart} (${os.cpus().length} cores)`);

/** A method and its value as a run name (the figures' legend): `l2-sp-alpha-0.001`, `none`. */
const settingName = (method, hp) => [method, ...Object.entries(hp).map(([k, v]) => `${k}-${v}`)].join('-');

function configFor(regime, labels, method, seed, hp, { name = `bench-${regime}-${labels}-${method}`, sets: extra = [] } = {}) {
  const file = path.join(finetunePlugin.configsDir, `finetune-${method === 'scratch' ? 'scratch' : method}.yaml`);
  const raw = core.readConfigFile(file);
  raw.data.target.images = fashion;
  raw.data.source.images = regime === 'related' ? fashion : { source: 'mnist' };
  if (regime === 'discrepant') delete raw.data.source.classes;
  Object.assign(raw.regularisers[0], hp);
  const sets = [
    `name=${name}`,
    `data.target.labelsPerClass=${labels}`,
    `data.target.sampleSeed=${seed}`,
    `train.seed=${seed}`,
    `train.steps=${opt.quick ? 30 : opt.steps}`,
    'train.evalEvery=1000000',
    'train.logEvery=1000000',
    ...(opt.quick ? ['pretrain.train.steps=100', 'data.target.testPerClass=50'] : []),
    ...extra,
  ];
  return core.resolveExperimentConfig(core.applyOverrides(raw, sets), registry, file);
}

async function cell(regime, labels, method, seed, hp, hpIndex) {
  const key = `${regime}-${labels}-${method}-hp${hpIndex}-seed${seed}`;
  const file = path.join(cellsDir, `${key}.json`);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  if (figuresOnly) throw new Error(`--figures-only trains nothing, but cell ${key} is not in ${cellsDir}: run without --figures-only first`);
  const config = configFor(regime, labels, method, seed, hp);
  const t = Date.now();
  const { runDir, summary } = await core.runExperiment({ config, container, log: quiet, backend: backend.name, outDir, progress: false });
  const record = { key, regime, labels, method, seed, hp, hpIndex, val: summary.val, test: summary.test, status: summary.status, seconds: (Date.now() - t) / 1000, load: load() };
  fs.rmSync(runDir, { recursive: true, force: true });
  writeJson(file, record);
  log.info(`${key}: val ${(summary.val?.accuracy * 100).toFixed(1)}% test ${(summary.test?.accuracy * 100).toFixed(1)}% (${record.seconds.toFixed(1)} s, load ${record.load})`);
  return record;
}

/**
 * The run directory of one cell's run with curves, <figuresDir>/<cell key>: found finished, or (not with
 * --figures-only) run now; a directory left unfinished by a killed run is run again.
 */
async function figureRun(regime, labels, method, seed, best) {
  const key = `${regime}-${labels}-${method}-hp${best.hpIndex}-seed${seed}`;
  const runDir = path.join(figuresDir, key);
  const summaryFile = path.join(runDir, 'summary.json');
  const found = fs.existsSync(summaryFile) ? JSON.parse(fs.readFileSync(summaryFile, 'utf8')) : undefined;
  if (found?.status === 'completed') return { key, runDir, summary: found };
  if (figuresOnly) throw new Error(`--figures-only trains nothing, but ${runDir} ${found ? `is not finished (${found.status})` : 'is missing'}: run with --figures to make it`);
  fs.rmSync(runDir, { recursive: true, force: true });
  const config = configFor(regime, labels, method, seed, best.hp, { name: settingName(method, best.hp), sets: FIGURE_CURVES });
  const { summary } = await core.runExperiment({ config, container, log: quiet, backend: backend.name, outDir, runDir, progress: false });
  log.info(`figure run ${key}: test ${(summary.test?.accuracy * 100).toFixed(1)}%`);
  return { key, runDir, summary };
}

const t0 = Date.now();
// 1. Selection: every grid point of every method at --select-labels, seed 0, per regime; the best validation accuracy wins.
const chosen = new Map();
for (const regime of regimes) {
  for (const method of methods) {
    const grid = GRID[method];
    const tried = [];
    for (const [i, hp] of grid.entries()) if (!defaultHp.has(method) || grid.length === 1 || i === 1) tried.push(await cell(regime, selectLabels, method, 0, hp, i));
    const best = tried.reduce((a, b) => ((b.val?.accuracy ?? -1) > (a.val?.accuracy ?? -1) ? b : a));
    chosen.set(`${regime}|${method}`, best);
    log.info(`${regime} ${method}: chosen ${JSON.stringify(best.hp)} (val ${tried.map((c) => (c.val.accuracy * 100).toFixed(1)).join(' / ')})`);
  }
}
// 2. The table at the chosen values. Labels-major, so a cut-short run still covers every method at the first labels per class.
if (!figuresOnly) {
  for (const labels of labelsList) {
    for (const regime of regimes) {
      for (const method of methods) {
        const best = chosen.get(`${regime}|${method}`);
        for (const seed of seeds) await cell(regime, labels, method, seed, best.hp, best.hpIndex);
      }
    }
  }
  const { text } = writeReport(cellsDir, { quick: opt.quick, backend: backend.name, selectLabels: String(selectLabels) });
  console.log(text);
}
// 3. Figures: per regime, every method at its chosen value, every seed, at --figure-labels.
if (figures) {
  for (const regime of regimes) {
    const runs = [];
    for (const method of methods) for (const seed of seeds) runs.push(await figureRun(regime, figureLabels, method, seed, chosen.get(`${regime}|${method}`)));
    // The same training as the cell's: the test accuracy must agree (it may not across builds of the kernels).
    const differ = runs.flatMap(({ key, summary }) => {
      const file = path.join(cellsDir, `${key}.json`);
      if (!fs.existsSync(file)) return [];
      const c = JSON.parse(fs.readFileSync(file, 'utf8'));
      return c.test.accuracy === summary.test?.accuracy ? [] : [`${key} (cell ${(c.test.accuracy * 100).toFixed(1)}%, figure run ${(summary.test?.accuracy * 100).toFixed(1)}%)`];
    });
    if (differ.length > 0) log.warn(`${differ.length} of ${runs.length} figure runs end at another test accuracy than their cells (another build of the kernels?): ${differ.join('; ')}`);
    else log.info(`${regime}: the ${runs.length} figure runs end at their cells' test accuracy`);
    const label = `${regime} pair, ${figureLabels} labels per class`;
    writeFigures({
      bench: `finetune${opt.quick ? '-quick' : ''}-${regime}`,
      doc: opt.quick ? 'finetune-quick' : 'finetune',
      runDirs: runs.map((r) => r.runDir),
      title: `Fine-tuning, ${label}${opt.quick ? ' (--quick)' : ''}`,
      heading: `${label}, every method at its chosen value, ${seeds.length} seeds`,
      source: `node tools/bench/finetune/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
      reportArgs: ['--seed-fields', SEED_FIELDS.join(',')],
      charts: ['val.accuracy', 'val.nll', 'train.loss'],
    });
  }
}
log.info(`load average at start ${loadStart}, at end ${load()}; ${((Date.now() - t0) / 1000).toFixed(0)} s in all`);
