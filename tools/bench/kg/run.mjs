// kg benchmark (issue #11 §5): WN18RR TransE/RotatE filtered MRR and Hits@10 beside LibKGE's figures; DBP-5L
// per target language: single KG, KEnS ensembles (majority, MRR-weighted, RankBoost) and KD, beside KEnS's
// Hits@1; training triples/s and the full filtered evaluation of WN18RR's test set beside PyTorch
// (tools/bench/reference/kg_speed.py). Needs the built packages (`npx nx run-many -t build`) and ../shared/data.
// Usage: node tools/bench/kg/run.mjs [--part all|wn18rr|dbp5l|speed] [--quick] [--data DIR] [--out DIR] [--languages el,ja] [--epochs N]
//          [--set 'k=v;k2=v2'] (extra overrides of the dbp5l runs) [--single-epochs N] [--kens-epochs N] [--kd-epochs N]
//          [--wn-epochs N] [--wn-models transe,rotate]
//          [--tag NAME] (a second dbp5l protocol beside the first: results/kg-dbp5l-<lang>-NAME.json, runs <out>/dbp5l-<lang>-NAME-<cell>)
//          [--cells train,kens,kd,kens-pl] (dbp5l cells: the target alone, kens with one shared table, kd from that kens run,
//          kens with one model per language as KEnS — kens.models=per-language)
//   dbp5l is resumable per cell: each finished cell is added to tools/bench/results/kg-dbp5l-<lang>.json and not run
//   again (delete the file to rerun); a cell trains in <out>/dbp5l-<lang>-<cell>, resumed from its checkpoint when the
//   script was stopped (Ctrl-C checkpoints; train.checkpointEvery=25 bounds what a kill loses); the wn18rr rows reuse a finished run
//   directory <out>/wn18rr-<model> (made by `kt run … --run-dir`) instead of training again.
//   --quick: a few steps per run (a smoke test of the whole pipeline, not a result); the full run is the default.
//   --figures: at the end, `kt report` on the WN18RR runs: docs/results/fig/kg-wn18rr[-quick]/*.png and kg.md's Figures section.
//   At the end (not with --quick) the measured blocks of docs/results/kg.md are rewritten by ./report.mjs from the results JSON.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { root, require, table, writeJson, machine, flags } from '../lib.mjs';
import { writeFigures } from '../figures.mjs';
import { writeReport } from './report.mjs';

const opts = flags({ part: 'all', quick: false, data: path.resolve(root, '..', 'shared', 'data'), out: path.join(root, 'runs', 'bench-kg'), languages: 'el,ja,es,fr,en', epochs: '', 'single-epochs': '', 'kens-epochs': '', 'kd-epochs': '', set: '', 'wn-epochs': '', 'wn-models': 'transe,rotate', figures: false, cells: 'train,kens,kd,kens-pl', tag: '' });
const cells = opts.cells.split(',');
// Ctrl-C: the running cell checkpoints and the script exits 130; a second Ctrl-C aborts at once.
const stop = { requested: false };
process.on('SIGINT', () => {
  if (stop.requested) process.exit(130);
  stop.requested = true;
  console.error('\nSIGINT: checkpointing the running cell; Ctrl-C again aborts');
});
const quick = opts.quick;
const dataDir = path.resolve(process.env.KT_SHARED_DATA ?? opts.data);
const outDir = path.resolve(opts.out);
const parts = opts.part === 'all' ? ['speed', 'wn18rr', 'dbp5l'] : [opts.part];
if (!fs.existsSync(path.join(dataDir, 'wn18rr'))) {
  console.error(`${dataDir}/wn18rr not found: pass --data DIR (the shared data folder) or set KT_SHARED_DATA`);
  process.exit(2);
}

const core = require('@kt/core');
const kg = require('@kt/kg');
const tf = require('@tensorflow/tfjs');
const log = core.createConsoleLogger({ quiet: false });
const quiet = core.createMemoryLogger();
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => log.info(l) });
const registry = new core.PluginRegistry([{ plugin: kg.kgPlugin, from: '@kt/kg' }]);
const container = core.buildContainer([kg.kgPlugin]);
const configs = kg.kgPlugin.configsDir;
const t0 = Date.now();
const record = { benchmark: 'kg', quick, backend: backend.name, native: backend.native, machine: machine(), loadAverageAtStart: os.loadavg(), date: new Date().toISOString() };
// Per part (several processes may each run one): when it ran, the load around it and its wall time; the top-level
// date / loadAverageAtStart / totalSeconds are those of the process that wrote the file last.
const partInfo = { date: record.date, loadAverageAtStart: record.loadAverageAtStart, parts: parts.join(',') };
record.runs = Object.fromEntries(parts.map((p) => [p, partInfo]));
const resultFile = path.join(root, 'tools/bench/results', quick ? 'kg-quick.json' : 'kg.json');
// Parts not run this time keep their earlier results (a --part dbp5l run must not drop the WN18RR rows).
const earlier = !quick && fs.existsSync(resultFile) ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) : {};
// Re-read at every save: another process of this script (another part, another language) may have written since.
const save = () => {
  const file = !quick && fs.existsSync(resultFile) ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) : {};
  Object.assign(partInfo, { seconds: (Date.now() - t0) / 1000, loadAverageNow: os.loadavg() });
  // WN18RR rows are merged by model: a run of one model (--wn-models rotate) keeps the other's row.
  const wn18rr = record.wn18rr ? [...(file.wn18rr ?? []).filter((e) => !record.wn18rr.some((x) => x.model === e.model)), ...record.wn18rr] : file.wn18rr;
  writeJson(resultFile, { ...file, ...record, ...(wn18rr ? { wn18rr } : {}), runs: { ...file.runs, ...record.runs }, totalSeconds: (Date.now() - t0) / 1000 });
};

async function run(file, sets, verbose = false) {
  const raw = core.applyOverrides(core.readConfigFile(path.join(configs, file)), sets);
  const config = core.resolveExperimentConfig(raw, registry, file);
  const t = Date.now();
  const { runDir, summary } = await core.runExperiment({ config, container, log: verbose ? log : quiet, backend: backend.name, outDir, progress: false });
  // stopped-early is a finished run (early stopping restored the best weights and ranked the test set).
  if (summary.status !== 'completed' && summary.status !== 'stopped-early') throw new Error(`${file}: ${summary.status} ${summary.error ?? ''}`);
  return { runDir, summary, seconds: (Date.now() - t) / 1000, config };
}
const pct = (x) => (x * 100).toFixed(1);

// ---- speed: training triples/s and full filtered evaluation of WN18RR test, kt vs PyTorch ----
if (parts.includes('speed')) {
  const graph = kg.loadGraph({ source: 'dict', dir: path.join(dataDir, 'wn18rr') }, 'keep');
  const known = new kg.KnownAnswers(graph.train, graph.valid, graph.test);
  const speed = [];
  for (const [kind, dim] of [['transe', 128], ['rotate', 64]]) {
    const loadAtStart = os.loadavg();
    const spec = kg.ModelSpecSchema.parse(kind === 'transe' ? { kind, dim, norm: 2, gamma: 6 } : { kind, dim, gamma: 6 });
    const cfg = kg.KgConfigSchema.parse({ plugin: 'kg', task: 'train', model: spec, loss: { kind: 'self-adversarial', temperature: 0.5 } });
    const model = new kg.KgModel(spec, graph.entities.length, graph.relations.length, 0);
    const sampler = new kg.NegativeSampler(graph.train, graph.entities.length, graph.relations.length, { kind: 'uniform', count: 128, filtered: false });
    const opt = tf.train.adam(0.005);
    const batches = new (class {
      constructor() { this.rng = core.Rng.fromSeed(0); }
      next() { return kg.selectTriples(graph.train, Array.from({ length: 512 }, () => this.rng.int(graph.train.h.length))); }
    })();
    const steps = quick ? 3 : 20;
    const stepOnce = (i) => tf.tidy(() => { opt.minimize(() => kg.batchLoss(model, batches.next(), cfg, sampler, core.Rng.fromSeed(i), { start: 0, size: graph.entities.length }), false, model.trainableVariables()); });
    for (let i = 0; i < 3; i++) stepOnce(i);
    let t = performance.now();
    for (let i = 0; i < steps; i++) stepOnce(100 + i);
    const triplesPerSecond = (512 * steps) / ((performance.now() - t) / 1000);
    const evalTriples = quick ? 256 : graph.test.h.length;
    const test = kg.selectTriples(graph.test, Array.from({ length: evalTriples }, (_, i) => i));
    t = performance.now();
    await kg.rankFiltered((d, a, r) => model.scoreAll(d, a, r), test, graph.entities.length, known, { batchSize: 128 });
    const evalSeconds = (performance.now() - t) / 1000;
    opt.dispose();
    model.dispose();
    let torch;
    try {
      const out = execFileSync('/usr/bin/python3', [path.join(root, 'tools/bench/reference/kg_speed.py'), '--data', path.join(dataDir, 'wn18rr'), '--model', kind, '--dim', String(dim), '--negatives', '128', '--batch', '512', '--steps', String(steps), '--threads', '2', '--eval-max', String(quick ? 256 : 0)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      torch = JSON.parse(out.trim().split('\n').pop());
    } catch (err) {
      log.warn(`PyTorch reference failed or absent: ${err.message.split('\n')[0]}`);
    }
    // The load beside the measurement: PyTorch's two threads lose far more than kt to a concurrent process, so a ratio
    // is only a comparison on an otherwise idle machine (run --part speed alone).
    speed.push({ model: kind, dim, negatives: 128, batch: 512, steps, triplesPerSecond, evalTriples, evalSeconds, torch, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg(), date: new Date().toISOString() });
    log.info(`${kind}: kt ${triplesPerSecond.toFixed(0)} triples/s, eval ${evalTriples} test triples ${evalSeconds.toFixed(1)} s; PyTorch ${torch ? `${torch.triplesPerSecond.toFixed(0)} triples/s, eval ${torch.evalSeconds.toFixed(1)} s` : 'n/a'}`);
  }
  record.speed = speed;
  save();
  const { text } = table(['model', 'kt triples/s', 'PyTorch triples/s', 'ratio', 'eval triples', 'kt eval s', 'PyTorch eval s', 'ratio'], speed.map((s) => [
    `${s.model} d${s.dim}`, s.triplesPerSecond.toFixed(0), s.torch ? s.torch.triplesPerSecond.toFixed(0) : 'n/a', s.torch ? (s.triplesPerSecond / s.torch.triplesPerSecond).toFixed(2) : 'n/a',
    String(s.evalTriples), s.evalSeconds.toFixed(1), s.torch ? s.torch.evalSeconds.toFixed(1) : 'n/a', s.torch ? (s.torch.evalSeconds / s.evalSeconds).toFixed(2) : 'n/a']));
  console.log(`\nTraining speed (batch 512, 128 negatives, self-adversarial, Adam) and filtered evaluation of WN18RR test (both directions, 40,943 entities), backend ${backend.name}\n${text}`);
}

// ---- WN18RR: TransE and RotatE beside LibKGE ----
if (parts.includes('wn18rr')) {
  const libkge = { transe: { mrr: 0.228, hits10: 0.52 }, rotate: { mrr: 0.478, hits10: 0.553 } };
  const rows = [];
  for (const kind of opts['wn-models'].split(',')) {
    const sets = [`data.dir=${path.join(dataDir, 'wn18rr')}`];
    if (quick) sets.push('train.epochs=0.05', 'train.evalEvery=100000');
    if (opts['wn-epochs']) sets.push(`train.epochs=${opts['wn-epochs']}`);
    const done = path.join(outDir, `wn18rr-${kind}`);
    let r;
    if (!quick && fs.existsSync(path.join(done, 'summary.json')) && ['completed', 'stopped-early'].includes(JSON.parse(fs.readFileSync(path.join(done, 'summary.json'), 'utf8')).status)) {
      const summary = JSON.parse(fs.readFileSync(path.join(done, 'summary.json'), 'utf8'));
      const config = JSON.parse(fs.readFileSync(path.join(done, 'config.json'), 'utf8'));
      log.info(`wn18rr ${kind}: reusing the finished run ${done}`);
      r = { runDir: done, summary, config, seconds: summary.timings?.totalSeconds ?? NaN };
    } else r = await run(`wn18rr-${kind}.yaml`, sets, true);
    const evalTest = JSON.parse(fs.readFileSync(path.join(r.runDir, 'artifacts', 'eval-test.json'), 'utf8'));
    rows.push({ model: kind, dim: r.config.model.dim, epochs: r.config.train.epochs, seconds: r.seconds, test: r.summary.test, tail: evalTest.tail, head: evalTest.head, libkge: libkge[kind], runDir: r.runDir });
    record.wn18rr = rows;
    save();
  }
  const { text } = table(['model', 'dim', 'epochs', 'wall s', 'MRR', 'Hits@10', 'LibKGE MRR', 'LibKGE Hits@10'], rows.map((r) => [r.model, String(r.dim), String(r.epochs), r.seconds.toFixed(0), r.test.mrr.toFixed(3), r.test.hits10.toFixed(3), r.libkge.mrr.toFixed(3), r.libkge.hits10.toFixed(3)]));
  console.log(`\nWN18RR filtered (realistic ranks, both directions, unseen test entities kept)\n${text}`);
}

// ---- DBP-5L: single, KEnS ensembles, KD per target language ----
if (parts.includes('dbp5l')) {
  const kens = { el: 26.4, ja: 32.9, es: 25.2 };
  const all = ['el', 'en', 'es', 'fr', 'ja'];
  const rows = [];
  const languages = quick ? ['el'] : opts.languages.split(',');
  const extra = opts.set ? opts.set.split(';').filter((x) => x.trim() !== '') : [];
  // Tail queries only (h, r, ?): KEnS's protocol (test.py ranks tails), beside kt's both directions.
  const tailOf = (runDir, name = 'test') => {
    const t = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', `eval-${name}.json`), 'utf8')).tail;
    return { hits1: t.hits1, hits10: t.hits10, mrr: t.mrr };
  };
  // Each (language, cell) trains in its own run directory <out>/dbp5l-<lang>-<cell>: a finished one is reused, an
  // interrupted one (Ctrl-C checkpoints it; train.checkpointEvery bounds what a kill loses) is resumed, so the
  // script can be stopped and started again at any point. A run directory made with other flags is refused.
  // Every setting of `old` equals the one in `now` (settings `now` has and `old` lacks are new fields at their defaults).
  const sameSettings = (old, now) =>
    old !== null && typeof old === 'object' ? now !== null && typeof now === 'object' && Object.keys(old).every((k) => sameSettings(old[k], now[k])) : old === now;
  const tag = opts.tag ? `-${opts.tag}` : '';
  const recordKey = opts.tag ? `dbp5l-${opts.tag}` : 'dbp5l';
  const cellRun = async (lang, cell, file, sets) => {
    const dir = path.join(outDir, `dbp5l-${lang}${tag}-${cell}`);
    const raw = core.applyOverrides(core.readConfigFile(path.join(configs, file)), [...sets, `name=dbp5l-${lang}${tag}-${cell}`, 'train.checkpointEvery=25']);
    let config = core.resolveExperimentConfig(raw, registry, file);
    const summaryFile = path.join(dir, 'summary.json');
    const previous = fs.existsSync(summaryFile) ? JSON.parse(fs.readFileSync(summaryFile, 'utf8')) : undefined;
    if (previous && previous.configHash !== core.configHash(config)) {
      // A run made before a config field with a default was added has another hash but the same settings:
      // it is reused (or resumed) with its own config.json.
      const stored = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      if (core.configHash(stored) !== previous.configHash || !sameSettings(stored, config)) throw new Error(`${dir} was made with other settings (config hash ${previous.configHash}); delete it or pass the same flags`);
      config = stored;
    }
    if (previous?.status === 'completed') {
      log.info(`${lang} ${cell}: reusing the finished run ${path.relative(root, dir)}`);
      return { runDir: dir, summary: previous, seconds: previous.timings.totalSeconds, config };
    }
    const t = Date.now();
    const resume = previous !== undefined;
    log.info(`${lang} ${cell}: ${resume ? `resuming ${path.relative(root, dir)} at step ${previous.steps}` : `training in ${path.relative(root, dir)}`}`);
    const { summary } = await core.runExperiment({ config, container, log, backend: backend.name, outDir, progress: false, shouldStop: () => stop.requested, ...(resume ? { resumeDir: dir } : { runDir: dir }) });
    if (summary.status === 'interrupted') {
      log.info(`${lang} ${cell}: interrupted; run the same command again to resume`);
      process.exit(130);
    }
    if (summary.status !== 'completed') throw new Error(`${file}: ${summary.status} ${summary.error ?? ''}`);
    return { runDir: dir, summary, seconds: (resume ? previous.timings.totalSeconds : 0) + (Date.now() - t) / 1000, config };
  };
  // Rows of one kens run: the target model alone in the joint run, each ensemble rule, both directions and tail-only.
  const kensFields = (ens) => {
    const t = ens.summary.test;
    const report = JSON.parse(fs.readFileSync(path.join(ens.runDir, 'artifacts', 'eval-test.json'), 'utf8'));
    return {
      kensJointTarget: { hits1: t.hits1, hits10: t.hits10, mrr: t.mrr },
      majority: { hits1: t.majority_hits1, hits10: t.majority_hits10, mrr: t.majority_mrr },
      mrrWeighted: { hits1: t.mrr_weighted_hits1, hits10: t.mrr_weighted_hits10, mrr: t.mrr_weighted_mrr },
      boost: { hits1: t.boost_hits1, hits10: t.boost_hits10, mrr: t.boost_mrr },
      tailOnly: { kensJointTarget: tailOf(ens.runDir), majority: tailOf(ens.runDir, 'test-majority'), mrrWeighted: tailOf(ens.runDir, 'test-mrr-weighted'), boost: tailOf(ens.runDir, 'test-boost') },
      ensembleWeights: report.ensembles,
      perLanguageModel: report.perLanguageModel,
      learnedLinks: report.learnedLinks,
    };
  };
  // Each language's row (tools/bench/results/kg-dbp5l-<lang>.json) is written after every cell and read back on
  // the next start: cells already in it are not run again (delete the file, or its run directories, to rerun).
  const hasCell = { train: (r) => r.single, kens: (r) => r.majority, kd: (r) => r.kd, 'kens-pl': (r) => r.perLanguage };
  for (const lang of languages) {
    const doneFile = path.join(root, 'tools/bench/results', `kg-dbp5l-${lang}${tag}.json`);
    const row = { ...(!quick && fs.existsSync(doneFile) ? JSON.parse(fs.readFileSync(doneFile, 'utf8')) : {}), language: lang, kensPublishedHits1: kens[lang] };
    row.seconds ??= {};
    row.tailOnly ??= {};
    row.epochs ??= {};
    row.runDirs ??= {};
    const todo = cells.filter((c) => !hasCell[c]?.(row));
    if (cells.some((c) => !hasCell[c])) throw new Error(`--cells: unknown cell in ${cells.join(',')} (known: ${Object.keys(hasCell).join(', ')})`);
    const sets = [`data.dir=${path.join(dataDir, 'dbp5l')}`, `data.language=${lang}`, `data.supports=[${all.filter((l) => l !== lang).join(', ')}]`];
    if (quick) sets.push('train.epochs=0.2');
    if (opts.epochs) sets.push(`train.epochs=${opts.epochs}`, `teacher.train.epochs=${opts.epochs}`);
    sets.push(...extra);
    log.info(`${lang}: ${todo.length === 0 ? `every cell of ${cells.join(', ')} is in ${path.relative(root, doneFile)}` : `${todo.join(', ')} with ${sets.slice(3).join(' ') || 'the shipped configs'}`}`);
    const epochsOf = (flag) => (opts[flag] ? [`train.epochs=${opts[flag]}`] : []);
    const runCell = quick ? async (lang_, cell, file, s) => ({ ...(await run(file, [...s, `name=dbp5l-${lang_}-${cell}`])) }) : cellRun;
    const kensSets = [...(quick ? [...sets, 'kens.selfLearning.every=1000', 'kens.maxValidQueries=100'] : sets), ...epochsOf('kens-epochs')];
    const saveRow = () => {
      row.overrides = sets.slice(3);
      if (!quick) writeJson(doneFile, row);
      record[recordKey] = [...(earlier[recordKey] ?? []).filter((e) => e.language !== lang && !rows.some((x) => x.language === e.language)), ...rows, row];
      save();
    };
    for (const c of todo) {
      if (c === 'train') {
        const single = await runCell(lang, 'train', 'dbp5l-el-train.yaml', [...sets, ...epochsOf('single-epochs')]);
        Object.assign(row, { single: single.summary.test });
        row.tailOnly.single = tailOf(single.runDir);
        row.seconds.single = single.seconds;
        row.epochs.single = single.config.train.epochs;
        row.runDirs.single = single.runDir;
      } else if (c === 'kens') {
        const ens = await runCell(lang, 'kens', 'dbp5l-el-kens.yaml', kensSets);
        const f = kensFields(ens);
        Object.assign(row, { ...f, tailOnly: { ...row.tailOnly, ...f.tailOnly }, dim: ens.config.model.dim });
        row.seconds.kens = ens.seconds;
        row.epochs.kens = ens.config.train.epochs;
        row.runDirs.kens = ens.runDir;
      } else if (c === 'kd') {
        // The kd teacher is the (shared-table) kens run of this row (teacher.checkpoint), not a second kens training.
        if (!row.runDirs.kens) throw new Error(`${lang}: cell kd needs the kens cell first (--cells ...,kens,kd)`);
        const kd = await runCell(lang, 'kd', 'dbp5l-el-kd.yaml', [...sets, `teacher.checkpoint=${row.runDirs.kens}`, ...(quick ? ['kens.maxValidQueries=100'] : []), ...epochsOf('kd-epochs')]);
        row.kd = kd.summary.test;
        row.tailOnly.kd = tailOf(kd.runDir);
        row.seconds.kd = kd.seconds;
        row.epochs.kd = kd.config.train.epochs;
        row.runDirs.kd = kd.runDir;
      } else {
        // KEnS's structure: one model per language (own relation rows), each ranking its own counterparts.
        const ens = await runCell(lang, 'kens-pl', 'dbp5l-el-kens.yaml', [...kensSets, 'kens.models=per-language']);
        row.perLanguage = { ...kensFields(ens), seconds: ens.seconds, epochs: ens.config.train.epochs, runDir: ens.runDir };
      }
      saveRow();
    }
    if (todo.length === 0) saveRow();
    rows.push(row);
    const h1 = (m) => (m ? pct(m.hits1) : '-');
    log.info(`${lang}: single H@1 ${h1(row.single)}, majority ${h1(row.majority)}, mrr-weighted ${h1(row.mrrWeighted)}, boost ${h1(row.boost)}, kd ${h1(row.kd)}; per-language majority ${h1(row.perLanguage?.majority)}, mrr-weighted ${h1(row.perLanguage?.mrrWeighted)}, boost ${h1(row.perLanguage?.boost)} (KEnS ${kens[lang] ?? 'n/a'})`);
  }
  const cell = (m) => (m ? `${pct(m.hits1)} / ${pct(m.hits10)} / ${m.mrr.toFixed(3)}` : '-');
  const pub = (r) => (r.kensPublishedHits1 === undefined ? 'n/a' : String(r.kensPublishedHits1));
  const header = ['target', 'single', 'joint (target model)', 'majority', 'MRR-weighted', 'RankBoost', 'KD (backward KL)', 'KEnS H@1'];
  const { text } = table(header, rows.map((r) => [r.language, cell(r.single), cell(r.kensJointTarget), cell(r.majority), cell(r.mrrWeighted), cell(r.boost), cell(r.kd), pub(r)]));
  console.log(`\nDBP-5L, shared table (kens.models=shared), Hits@1 / Hits@10 (%) / MRR, filtered, both directions\n${text}`);
  const tail = table(header, rows.map((r) => [r.language, cell(r.tailOnly?.single), cell(r.tailOnly?.kensJointTarget), cell(r.tailOnly?.majority), cell(r.tailOnly?.mrrWeighted), cell(r.tailOnly?.boost), cell(r.tailOnly?.kd), pub(r)]));
  console.log(`\nDBP-5L, shared table, tail queries (h, r, ?) only as KEnS ranks them\n${tail.text}`);
  const plHeader = ['target', 'queries', 'single', 'joint (target model)', 'majority', 'MRR-weighted', 'RankBoost', 'KEnS H@1'];
  const pl = table(plHeader, rows.filter((r) => r.perLanguage).flatMap((r) => [
    [r.language, 'both', cell(r.single), cell(r.perLanguage.kensJointTarget), cell(r.perLanguage.majority), cell(r.perLanguage.mrrWeighted), cell(r.perLanguage.boost), pub(r)],
    [r.language, 'tail', cell(r.tailOnly?.single), cell(r.perLanguage.tailOnly.kensJointTarget), cell(r.perLanguage.tailOnly.majority), cell(r.perLanguage.tailOnly.mrrWeighted), cell(r.perLanguage.tailOnly.boost), pub(r)],
  ]));
  console.log(`\nDBP-5L, one model per language (kens.models=per-language, KEnS's scoring)\n${pl.text}`);
}
save();
console.log(`\ntotal ${((Date.now() - t0) / 1000).toFixed(0)} s; results in ${path.relative(root, resultFile)}`);
if (opts.figures && record.wn18rr?.length) {
  writeFigures({
    bench: `kg-wn18rr${quick ? '-quick' : ''}`,
    doc: 'kg',
    runDirs: record.wn18rr.map((r) => r.runDir),
    title: `kg: WN18RR${quick ? ' (--quick)' : ''}`,
    heading: `WN18RR${quick ? ' (smoke run)' : ''}`,
    source: `node tools/bench/kg/run.mjs ${process.argv.slice(2).join(' ')}`,
  });
}
// The measured blocks of docs/results/kg.md follow the JSON (every part, every language file; not after --quick).
if (!quick) {
  try {
    writeReport();
    console.log('docs/results/kg.md: speed, WN18RR and DBP-5L blocks rewritten from tools/bench/results/kg*.json');
  } catch (err) {
    log.warn(`docs/results/kg.md not rewritten: ${err.message} (run node tools/bench/kg/report.mjs)`);
  }
}
