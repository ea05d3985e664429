// MT distillation benchmark on Multi30k De→En (../shared/data/multi30k): a teacher trained once
// (cached under <out>/.cache and reused by every learner), then learners trained with no KD,
// word-level forward KL, word-level backward KL, sequence-level forward KD (Kim & Rush) and
// sequence-level backward KL (on-policy, GKD λ=1), 3 seeds each. Reports test_2016_flickr BLEU and
// chrF (mean ± std), training tokens/s, ms/step and decoding sentences/s. Writes
// tools/bench/results/mt-kd.json and docs/results/mt-kd.md.
// Needs the built packages: `npm run build`. Usage:
//   node tools/bench/mt-kd/run.mjs [--seeds 3] [--out runs/bench-mt] [--data ../shared/data/multi30k] [--modes none,word-forward,...]
//     [--steps N --tag NAME]   (a probe with another learner step budget, written to mt-kd-NAME.json)
//     [--figures]   (at the end, `kt report` on the runs: docs/results/fig/mt-kd[-NAME]/*.png and the Figures section of mt-kd.md)
//   node tools/bench/mt-kd/run.mjs --study [--synthetic] …   (the forward-vs-backward study: see study.mjs)
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@kt/core';
import { mtPlugin } from '@kt/mt';
import { root, mean, std, table, writeJson, writeText, machine, flags, runComparison, teacherOf } from '../lib.mjs';
import { writeFigures } from '../figures.mjs';
import { MODE_LABELS } from './study-plan.mjs';

// `--study [--synthetic]`: the resumable forward-vs-backward study of issue #14 (study.mjs).
if (process.argv.includes('--study')) {
  await import('./study.mjs');
  process.exit(process.exitCode ?? 0);
}

const opt = flags({ seeds: '3', out: path.join(root, 'runs', 'bench-mt'), data: path.resolve(root, '..', 'shared', 'data', 'multi30k'), modes: 'none,word-forward,word-backward,seq-forward,seq-backward-gkd', prefix: 'multi30k', steps: '', tag: '', figures: false });
const dataDir = path.resolve(opt.data);
if (opt.prefix === 'multi30k' && !fs.existsSync(path.join(dataDir, 'train.de.gz'))) {
  console.error(`mt-kd benchmark: Multi30k not found at ${dataDir} (pass --data DIR)`);
  process.exit(2);
}
const log = core.createConsoleLogger();
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => log.info(l) });
const seeds = Array.from({ length: Number(opt.seeds) }, (_, i) => i);
const modes = opt.modes.split(',').map((m) => ({ key: m, label: MODE_LABELS[m] ?? m, config: path.join(mtPlugin.configsDir, `${opt.prefix}-${m}.yaml`) }));
const sets = opt.prefix === 'multi30k' ? [`data.root=${dataDir}`] : [];
// --steps N overrides the learners' train.steps (the teacher keeps its own); --tag NAME keeps such a probe's outputs apart.
if (opt.steps) sets.push(`train.steps=${Number(opt.steps)}`);
const suffix = `${opt.prefix === 'multi30k' ? '' : `-${opt.prefix}`}${opt.tag ? `-${opt.tag}` : ''}`;
const t0 = Date.now();
const pick = (runs, key, split = 'test') => runs.map((r) => r.summary[split]?.[key]).filter((v) => typeof v === 'number');
const fmt = (xs, d = 2) => (xs.length ? `${mean(xs).toFixed(d)} ± ${std(xs).toFixed(d)}` : 'n/a');

/** Prints the table and writes the JSON (and the Markdown table) for the runs finished so far. */
function report(results, final) {
  const total = (Date.now() - t0) / 1000;
  const teacher = teacherOf(results);
  const rows = results.map((r) => [
    r.label,
    fmt(pick(r.runs, 'bleu')),
    fmt(pick(r.runs, 'chrf')),
    String(r.runs.length),
    fmt(pick(r.runs, 'train_tokens_per_second'), 0),
    fmt(pick(r.runs, 'train_ms_per_step'), 0),
    fmt(pick(r.runs, 'decode_sentences_per_second'), 1),
    fmt(r.runs.map((x) => x.seconds), 0),
  ]);
  const { text, md } = table(['learner objective', 'test BLEU', 'test chrF', 'seeds', 'train tok/s', 'ms/step', 'decode sent/s', 'seconds/run'], rows);
  const teacherText = teacher?.test ? `teacher test BLEU ${teacher.test.bleu?.toFixed(2)}, chrF ${teacher.test.chrf?.toFixed(2)}` : 'teacher: n/a';
  const head = `MT KD on ${opt.prefix === 'multi30k' ? 'Multi30k De→En (test_2016_flickr)' : opt.prefix}, backend ${backend.name}${backend.native?.active ? ' + native' : ''}; ${teacherText}`;
  if (final) console.log(`\n${head}\n${text}\ntotal ${(total / 60).toFixed(1)} min`);
  const record = {
    benchmark: 'mt-kd', complete: final, prefix: opt.prefix, seeds, backend: backend.name, native: backend.native, machine: machine(), totalSeconds: total, teacher,
    results: results.map((r) => ({ key: r.key, label: r.label, config: path.relative(root, r.config), runs: r.runs.map((x) => ({ seed: x.seed, seconds: x.seconds, ...(x.teacherSeconds ? { teacherSeconds: x.teacherSeconds } : {}), steps: x.summary.steps, test: x.summary.test, val: x.summary.val, timings: x.summary.timings, runDir: path.relative(root, x.runDir) })) })),
    date: new Date().toISOString(),
  };
  writeJson(path.join(root, 'tools/bench/results', `mt-kd${suffix}.json`), record);
  writeText(path.join(root, 'docs/results', `mt-kd${suffix}.table.md`), `${head}\n\n${md}\n\n${final ? 'Complete' : 'Partial (still running)'}: ${(total / 60).toFixed(1)} min on ${machine().cpus} cores, ${record.date}.\n`);
}

const results = await runComparison({
  core,
  plugins: [mtPlugin],
  backend: backend.name,
  modes,
  seeds,
  outDir: path.resolve(opt.out),
  sets,
  log,
  onRun: (mode, seed, s, seconds, _runDir, partial) => {
    log.info(`${mode.label} seed ${seed}: BLEU ${s.test?.bleu?.toFixed(2)} chrF ${s.test?.chrf?.toFixed(2)} (${seconds.toFixed(0)} s)`);
    report(partial, false);
  },
});
report(results, true);
if (opt.figures) {
  const bench = `mt-kd${opt.tag ? `-${opt.tag}` : ''}`;
  writeFigures({ bench, doc: 'mt-kd', runDirs: results.flatMap((r) => r.runs.map((x) => x.runDir)), title: `MT KD (${opt.prefix})${opt.tag ? `, ${opt.tag}` : ''}`, heading: opt.tag || undefined, source: `node tools/bench/mt-kd/run.mjs ${process.argv.slice(2).join(' ')}` });
}
