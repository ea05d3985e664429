// Teacher tuning on validation BLEU (issue #9: the MT configs back on dropout). Each cell of the grid is one
// `kt sweep` of the shipped `<prefix>-teacher.yaml` (one cell per sweep directory, so all cells start at once
// instead of kt sweep's first-run-alone warm-up); every run validates at `train.evalEvery` on a fixed greedy val
// subset and keeps its best checkpoint (early stopping on val BLEU), whose test BLEU/chrF summary.json reports.
//   node tools/bench/mt-kd/teacher-tuning.mjs [--synthetic] [--dropout 0,0.1,0.2,0.3] [--label-smoothing 0.1]
//     [--data ../shared/data/multi30k] [--parallel N] [--collect] [--step-time] [--figures]
// Resumable: a killed tuning restarted with the same command resumes each cell's run from its checkpoint
// (kt sweep). --collect only reads the runs (also while they train) and writes the tables:
// tools/bench/results/mt-teacher-tuning[-synthetic].json and docs/results/mt-teacher-tuning[-synthetic].table.md.
// --step-time: an interleaved A/B of the teacher's training step with dropout 0 and with the chosen rate
// (same weights, same batch, alternating blocks, so machine load hits both alike; wall and process CPU time per
// step, the CPU time being the figure a loaded machine distorts least); printed and written to the json.
// --figures: at the end, `kt report` on the cells' run directories draws val BLEU / NLL and train loss per rate into
// docs/results/fig/mt-teacher-tuning[-synthetic]/ and the Figures section of docs/results/mt-teacher-tuning.md
// (with --collect: from runs already there, training nothing). Needs the built @kt/cli and Chromium.
// Runs with KT_NUM_THREADS=1 per cell unless set (several cells share the cores). Needs `npm run build`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as core from '@kt/core';
import * as mt from '@kt/mt';
import { root, table, writeJson, writeText, machine, flags } from '../lib.mjs';
import { writeFigures } from '../figures.mjs';

const opt = flags({
  synthetic: false,
  dropout: '0,0.1,0.2,0.3',
  'label-smoothing': '0.1',
  data: path.resolve(root, '..', 'shared', 'data', 'multi30k'),
  parallel: '',
  collect: false,
  'step-time': false,
  'step-rate': '0.1',
  figures: false,
  out: path.join(root, 'runs', 'sweeps'),
});
const synthetic = opt.synthetic === true;
const prefix = synthetic ? 'synthetic' : 'multi30k';
const dropouts = opt.dropout.split(',').map((x) => x.trim());
const labelSmoothing = opt['label-smoothing'];
const dataDir = path.resolve(opt.data);
const config = path.join(mt.mtPlugin.configsDir, `${prefix}-teacher.yaml`);
const suffix = synthetic ? '-synthetic' : '';
const resultsFile = path.join(root, 'tools', 'bench', 'results', `mt-teacher-tuning${suffix}.json`);
const tableFile = path.join(root, 'docs', 'results', `mt-teacher-tuning${suffix}.table.md`);
const cliPackage = createRequire(import.meta.url).resolve('@kt/cli/package.json');
const kt = path.join(path.dirname(cliPackage), JSON.parse(fs.readFileSync(cliPackage, 'utf8')).bin.kt);
for (const d of dropouts) {
  if (!(Number(d) >= 0 && Number(d) <= 0.9) || d === '') {
    console.error(`teacher tuning: --dropout takes rates in [0, 0.9], got '${d}'`);
    process.exit(2);
  }
}
if (!synthetic && !fs.existsSync(path.join(dataDir, 'train.de.gz'))) {
  console.error(`teacher tuning: Multi30k not found at ${dataDir} (pass --data DIR, or --synthetic)`);
  process.exit(2);
}

// The settings every cell shares: validation every 200 (Multi30k: first 500 val sentences, greedy) or 50
// (synthetic: its 200 val pairs) steps, a checkpoint at each, early stopping on val BLEU (patience 3 evaluations
// on Multi30k; 20 on the synthetic pair, i.e. never within its 500 steps: only the best checkpoint is kept).
const sets = synthetic
  ? ['train.evalEvery=50', 'train.checkpointEvery=50', 'train.earlyStopping={metric: bleu, patience: 20, mode: max}']
  : [
      `data.root=${dataDir}`,
      'train.evalEvery=200',
      'validation.limit=500',
      'train.checkpointEvery=200',
      'train.earlyStopping={metric: bleu, patience: 3, mode: max}',
      `learner.model.labelSmoothing=${labelSmoothing}`,
    ];
const lsTag = synthetic || labelSmoothing === '0.1' ? '' : `-ls${labelSmoothing}`;
const cells = dropouts.map((d) => ({ dropout: d, labelSmoothing: synthetic ? 'config' : labelSmoothing, dir: path.join(path.resolve(opt.out), `${synthetic ? 'syn-' : ''}teacher-d${d}${lsTag}`) }));

/** Runs one cell's sweep (resumes it when its directory already holds it); resolves with its exit code. */
function runCell(cell) {
  const args = [kt, 'sweep', config, ...sets.flatMap((s) => ['--set', s]), '--grid', `learner.model.dropout=${cell.dropout}`, '-p', '1', '--out', cell.dir, '--quiet'];
  const env = { ...process.env, KT_NUM_THREADS: process.env.KT_NUM_THREADS ?? '1' };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const logFile = path.join(cell.dir, 'tuning.log');
    fs.mkdirSync(cell.dir, { recursive: true });
    const out = fs.createWriteStream(logFile, { flags: 'a' });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** The cell's run: its val evaluations (step, BLEU, chrF, ms/step), best val BLEU, and test scores when finished. */
function readCell(cell) {
  const runDirs = fs.existsSync(cell.dir) ? fs.readdirSync(cell.dir).filter((f) => f.includes('__seed-')).map((f) => path.join(cell.dir, f)) : [];
  const runDir = runDirs[0];
  const metricsFile = runDir && path.join(runDir, 'metrics.jsonl');
  const lines = metricsFile && fs.existsSync(metricsFile) ? fs.readFileSync(metricsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const seen = new Map();
  for (const l of lines) if (l.split === 'val') seen.set(l.step, l); // a resumed run re-logs from its checkpoint: the last line per step wins
  const evals = [...seen.values()].sort((a, b) => a.step - b.step).map((l) => ({ step: l.step, bleu: l.bleu, chrf: l.chrf, nll: l.nll, msPerStep: l.train_ms_per_step }));
  const best = evals.reduce((b, e) => (b === undefined || e.bleu > b.bleu ? e : b), undefined);
  const summaryFile = runDir && path.join(runDir, 'summary.json');
  const summary = summaryFile && fs.existsSync(summaryFile) ? JSON.parse(fs.readFileSync(summaryFile, 'utf8')) : undefined;
  const done = summary?.status === 'completed';
  return {
    dropout: Number(cell.dropout),
    labelSmoothing: cell.labelSmoothing,
    runDir: runDir && path.relative(root, runDir),
    status: summary?.status ?? 'not started',
    steps: summary?.steps,
    evals,
    bestVal: best,
    test: done ? summary.test : undefined,
  };
}

/** Median of the per-evaluation ms/step (each the mean over the steps since the previous evaluation). */
function medianMs(evals) {
  const xs = evals.map((e) => e.msPerStep).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return xs.length === 0 ? undefined : xs[Math.floor(xs.length / 2)];
}

/** Interleaved A/B timing of the teacher's training step, dropout 0 vs `rate` (same weights, same batch). */
async function stepTime(rate) {
  await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => console.log(l) });
  const raw = core.readConfigFile(config);
  const sizes = raw.learner.model;
  const vocab = raw.tokenizer.vocabSize;
  const batchSize = raw.train.batchSize;
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const sentence = () => Array.from({ length: 8 + Math.floor(rnd() * 16) }, () => 3 + Math.floor(rnd() * (vocab - 3)));
  const batch = mt.makeSeq2SeqBatch(Array.from({ length: batchSize }, sentence), Array.from({ length: batchSize }, sentence), { padId: 0, bosId: 1, eosId: 2 });
  const arms = [0, rate].map((dropout) => {
    const model = new mt.Transformer(mt.transformerConfig({ ...sizes, dropout }, vocab), 1);
    const optimizer = new core.FusedAdam(1e-3);
    let seed = 0;
    return {
      dropout,
      ms: [],
      cpuMs: [],
      step() {
        const loss = optimizer.minimize(
          () => core.sequenceNll(model.forward(batch.src, batch.tgtIn, { training: true, dropoutSeed: seed++ }), batch.tgtOut, batch.mask, { labelSmoothing: 0.1 }),
          true,
          model.trainableVariables(),
        );
        loss.dataSync();
        loss.dispose();
      },
    };
  });
  for (const arm of arms) for (let i = 0; i < 2; i++) arm.step(); // warm-up
  const load0 = os.loadavg();
  for (let round = 0; round < 6; round++) {
    for (const arm of round % 2 === 0 ? arms : [...arms].reverse()) {
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        arm.step();
        const c1 = process.cpuUsage(c0);
        arm.ms.push(performance.now() - t0);
        arm.cpuMs.push((c1.user + c1.system) / 1000);
      }
    }
  }
  const load1 = os.loadavg();
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const result = {
    batch: `${batchSize} sentences of 8-23 random tokens`,
    model: sizes,
    steps: arms[0].ms.length,
    loadAverage: { start: load0.map((x) => +x.toFixed(2)), end: load1.map((x) => +x.toFixed(2)) },
    threads: process.env.KT_NUM_THREADS ?? 'default',
    arms: arms.map((a) => ({ dropout: a.dropout, medianMs: +med(a.ms).toFixed(1), minMs: +Math.min(...a.ms).toFixed(1), medianCpuMs: +med(a.cpuMs).toFixed(1), minCpuMs: +Math.min(...a.cpuMs).toFixed(1) })),
  };
  console.log(JSON.stringify(result, null, 2));
  tf.disposeVariables();
  return result;
}

const startLoad = os.loadavg();
console.log(`teacher tuning (${prefix}): dropout ${dropouts.join('/')}${synthetic ? '' : `, label smoothing ${labelSmoothing}`}; load average ${startLoad.map((x) => x.toFixed(2)).join(' ')}`);
const started = Date.now();
if (opt['step-time'] !== true && opt.collect !== true) {
  const limit = Number(opt.parallel || cells.length);
  const queue = [...cells];
  const workers = Array.from({ length: Math.max(1, limit) }, async () => {
    for (let cell = queue.shift(); cell !== undefined; cell = queue.shift()) {
      const code = await runCell(cell);
      console.log(`dropout ${cell.dropout}: sweep exited ${code} (log ${path.relative(root, path.join(cell.dir, 'tuning.log'))})`);
    }
  });
  await Promise.all(workers);
}

const previous = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : {};
const stepTiming = opt['step-time'] === true ? await stepTime(Number(opt['step-rate'])) : previous.stepTiming;
// Cells merge with the JSON's earlier ones by (dropout, label smoothing): a cell whose run directory is gone
// (e.g. measured in another checkout) keeps its recorded result, flagged, instead of reading as "not started";
// cells of other invocations (another label smoothing) stay in the table.
const key = (r) => `${r.dropout}|${r.labelSmoothing}`;
const earlier = new Map((previous.prefix === prefix ? (previous.cells ?? []) : []).map((r) => [key(r), r]));
const fresh = cells.map(readCell).map((r) => (r.status === 'not started' && earlier.get(key(r))?.status === 'completed' ? { ...earlier.get(key(r)), recorded: earlier.get(key(r)).recorded ?? 'run directory not present: result as recorded in the JSON' } : r));
const freshKeys = new Set(fresh.map(key));
const results = [...fresh, ...[...earlier.values()].filter((r) => !freshKeys.has(key(r)))].sort((a, b) => a.dropout - b.dropout || String(a.labelSmoothing).localeCompare(String(b.labelSmoothing)));
const evalSteps = [...new Set(results.flatMap((r) => r.evals.map((e) => e.step)))].sort((a, b) => a - b);
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const rows = results.map((r) => {
  const at = new Map(r.evals.map((e) => [e.step, e.bleu]));
  const ms = medianMs(r.evals);
  return [
    String(r.dropout),
    String(r.labelSmoothing),
    r.status === 'completed' ? `done (${r.steps})` : `${r.status}${r.evals.length ? ` (≥ ${r.evals.at(-1).step})` : ''}`,
    ...evalSteps.map((s) => f2(at.get(s))),
    r.bestVal ? `**${f2(r.bestVal.bleu)}** @ ${r.bestVal.step}` : '–',
    r.test ? `${f2(r.test.bleu)} / ${f2(r.test.chrf)}` : '–',
    ms === undefined ? '–' : ms.toFixed(0),
  ];
});
const header = ['dropout', 'label smoothing', 'run', ...evalSteps.map((s) => `val BLEU @${s}`), 'best val BLEU', 'test BLEU / chrF (best ckpt)', 'train ms/step (median, loaded)'];
const { text, md } = table(header, rows);
// An invocation that trained nothing (--collect, --step-time) keeps the load and time of the last one that trained.
const trained = opt['step-time'] !== true && opt.collect !== true;
const kept = !trained && previous.prefix === prefix && previous.loadAverage !== undefined;
const [load0, load1] = kept ? [previous.loadAverage.start, previous.loadAverage.end] : [startLoad, os.loadavg()];
const seconds = kept ? previous.seconds : (Date.now() - started) / 1000;
const head =
  `Teacher tuning on val BLEU, ${prefix === 'multi30k' ? 'Multi30k De→En (val: first 500 sentences, greedy; test: test_2016_flickr)' : 'synthetic pair (200 val / 200 test pairs, greedy)'}; ` +
  `load average ${load0.map((x) => x.toFixed(1)).join(' ')} → ${load1.map((x) => x.toFixed(1)).join(' ')}${kept ? ' (as measured by the last invocation that trained)' : ''} (times under load: provisional).`;
console.log(`\n${head}\n${text}`);
writeText(tableFile, `${head}\n\n${md}\n`);
writeJson(resultsFile, {
  benchmark: 'mt-teacher-tuning',
  prefix,
  config: path.relative(root, config),
  sets,
  machine: machine(),
  loadAverage: { start: load0, end: load1 },
  seconds,
  cells: results,
  stepTiming,
});

if (opt.figures === true) {
  const drawn = results.filter((r) => r.runDir !== undefined && fs.existsSync(path.join(root, r.runDir, 'metrics.jsonl')));
  const missing = results.filter((r) => !drawn.includes(r)).map((r) => `dropout ${r.dropout} / label smoothing ${r.labelSmoothing}`);
  if (missing.length > 0) console.log(`figures: no run directory for ${missing.join(', ')} (not drawn)`);
  if (drawn.length === 0) {
    console.error('teacher tuning: --figures found no run directory (run the grid first, or drop --figures)');
    process.exit(2);
  }
  const grid = [...new Set(drawn.map((r) => r.dropout))].join(', ');
  writeFigures({
    bench: `mt-teacher-tuning${suffix}`,
    doc: 'mt-teacher-tuning',
    runDirs: drawn.map((r) => path.join(root, r.runDir)),
    title: `MT teacher tuning (${prefix}): dropout ${grid}`,
    heading: synthetic ? 'synthetic pair (demo teacher)' : 'Multi30k De→En teacher',
    source: `node tools/bench/mt-kd/teacher-tuning.mjs ${process.argv.slice(2).join(' ')}`,
    charts: ['val.bleu', 'val.nll', 'train.loss'],
  });
}
