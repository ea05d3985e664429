// Fine-tuning regularisers (issue #12): target test accuracy for every regulariser × regime × labels per class × seed.
// Regimes: related (Fashion-MNIST classes 0–4 → 5–9) and discrepant (MNIST digits → Fashion-MNIST 5–9): the same
// target task, only the source differs. Each regulariser's hyper-parameter is chosen per regime on the target's
// validation split (carved from its training images) at --select-labels labels per class (10) with seed 0 — every
// point of GRID below is run there first — and the chosen value is then run at every labels per class with every
// seed; `scratch` (random init, no transfer) and `none` (plain fine-tuning) have no hyper-parameter. Resumable: each
// finished run is one JSON file under --cells; a restart skips them. Needs the built packages:
// `npx nx run-many -t build -p @kt/core,@kt/vision,@kt/finetune`.
// Usage: node tools/bench/finetune/run.mjs [--seeds 3] [--labels 10,50,100,all] [--methods …] [--regimes related,discrepant]
//        [--select-labels 10] [--steps 200] [--out DIR] [--data DIR] [--quick] [--default-hp tred,delta,…]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@kt/core';
import { finetunePlugin } from '@kt/finetune';
import { root, flags, writeJson } from '../lib.mjs';
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

function configFor(regime, labels, method, seed, hp) {
  const file = path.join(finetunePlugin.configsDir, `finetune-${method === 'scratch' ? 'scratch' : method}.yaml`);
  const raw = core.readConfigFile(file);
  raw.data.target.images = fashion;
  raw.data.source.images = regime === 'related' ? fashion : { source: 'mnist' };
  if (regime === 'discrepant') delete raw.data.source.classes;
  Object.assign(raw.regularisers[0], hp);
  const sets = [
    `name=bench-${regime}-${labels}-${method}`,
    `data.target.labelsPerClass=${labels}`,
    `data.target.sampleSeed=${seed}`,
    `train.seed=${seed}`,
    `train.steps=${opt.quick ? 30 : opt.steps}`,
    'train.evalEvery=1000000',
    'train.logEvery=1000000',
    ...(opt.quick ? ['pretrain.train.steps=100', 'data.target.testPerClass=50'] : []),
  ];
  return core.resolveExperimentConfig(core.applyOverrides(raw, sets), registry, file);
}

async function cell(regime, labels, method, seed, hp, hpIndex) {
  const key = `${regime}-${labels}-${method}-hp${hpIndex}-seed${seed}`;
  const file = path.join(cellsDir, `${key}.json`);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const config = configFor(regime, labels, method, seed, hp);
  const t = Date.now();
  const { runDir, summary } = await core.runExperiment({ config, container, log: quiet, backend: backend.name, outDir, progress: false });
  const record = { key, regime, labels, method, seed, hp, hpIndex, val: summary.val, test: summary.test, status: summary.status, seconds: (Date.now() - t) / 1000, load: load() };
  fs.rmSync(runDir, { recursive: true, force: true });
  writeJson(file, record);
  log.info(`${key}: val ${(summary.val?.accuracy * 100).toFixed(1)}% test ${(summary.test?.accuracy * 100).toFixed(1)}% (${record.seconds.toFixed(1)} s, load ${record.load})`);
  return record;
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
log.info(`load average at start ${loadStart}, at end ${load()}; ${((Date.now() - t0) / 1000).toFixed(0)} s in all`);
