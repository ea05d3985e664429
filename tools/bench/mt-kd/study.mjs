// The forward-vs-backward study of issue #14 §2, as one resumable command (run.mjs --study dispatches here):
//   node tools/bench/mt-kd/run.mjs --study [--synthetic] [--seeds 3] [--lr-grid 0.001,0.002,0.004]
//     [--max-minutes 115] [--max-steps 8000] [--eval-every 250] [--patience 4] [--val-limit 500]
//     [--teacher-steps 30000] [--out runs/mt-study] [--data ../shared/data/multi30k] [--dry-run] [--figures]
//     [--modes none,word-forward,...] [--teacher-only] [--state DIR] [--results FILE]
// --modes: launch only these objectives' runs (a phase of the study; the others wait for a later command, and
// the tables show every objective recorded so far). --teacher-only: train (or find) the study's cached teacher
// and stop, e.g. in one process while another runs the no-KD learners, which need no teacher.
// --figures: once the study is complete, `kt report` on the final runs (chosen rate, every seed) of each starting
// point draws docs/results/fig/mt-kd-study[-synthetic]-<start>/*.png and the Figures sections of mt-kd.md.
// --dry-run resolves and validates the configs of the runs that could start now, prints them, and trains nothing.
// Multi30k De→En with all 29,000 training pairs (or, with --synthetic, the built-in pair and 5 seeds); the
// teacher trained to convergence (early stopping on val BLEU) and cached; the learners of STUDY_MODES each
// trained to convergence (early stopping on val BLEU of a fixed greedy val subset), the learning rate chosen
// per objective on val from a grid of 3 (seed 0), then the other seeds at that rate; from scratch and from the
// no-KD learner's best checkpoint (learner.init). Per seed, paired bootstrap resampling (sacreBLEU-exact,
// 1,000 resamples) of backward vs forward on the test set.
// Resumable: results/mt-kd-study[-synthetic].json is written after every run; a killed study restarted with
// the same command skips finished runs and resumes an interrupted one from its checkpoint. On another machine
// (runs/ empty) it goes on from the study state (--state, default results/mt-kd-study[-synthetic]-state, committed
// with the results; study-state.mjs): the finished runs' slim copies, the warm-start weights and the teacher. --max-minutes
// stops launching new runs after that long (the issue's parts of at most two hours).
// Needs the built packages: `npm run build`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { root, require, writeJson, writeText, machine, flags, teacherTime } from '../lib.mjs';
import { writeFigures } from '../figures.mjs';
import { bestValStep, chosenLr, finalRuns, runKey, studyRuns, studyTables, MODE_LABELS, PAIRS, START_LABELS, STUDY_MODES } from './study-plan.mjs';
import { dropWeights, hasWeights, restoreTeachers, saveTeachers, slimCopy } from './study-state.mjs';

const opt = flags({
  study: false,
  synthetic: false,
  seeds: '',
  'lr-grid': '',
  'max-minutes': '115',
  'max-steps': '',
  'eval-every': '',
  patience: '4',
  'val-limit': '500',
  'teacher-steps': '',
  out: '',
  state: '',
  results: '',
  'dry-run': false,
  'teacher-only': false,
  modes: '',
  figures: false,
  data: path.resolve(root, '..', 'shared', 'data', 'multi30k'),
});
const synthetic = opt.synthetic === true;
const prefix = synthetic ? 'synthetic' : 'multi30k';
const seeds = Array.from({ length: Number(opt.seeds || (synthetic ? 5 : 3)) }, (_, i) => i);
const lrGrid = (opt['lr-grid'] || (synthetic ? '0.002,0.005,0.01' : '0.001,0.002,0.004')).split(',').map(Number);
const evalEvery = Number(opt['eval-every'] || (synthetic ? 100 : 250));
const maxSteps = Number(opt['max-steps'] || (synthetic ? 4000 : 8000));
const teacherSteps = Number(opt['teacher-steps'] || (synthetic ? 6000 : 30000));
const patience = Number(opt.patience);
const outDir = path.resolve(opt.out || path.join(root, 'runs', `mt-study-${prefix}`));
const dataDir = path.resolve(opt.data);
const suffix = synthetic ? '-synthetic' : '';
// --results FILE (a copy of the study elsewhere, e.g. a test's): its table is written beside it.
const resultsFile = path.resolve(opt.results || path.join(root, 'tools/bench/results', `mt-kd-study${suffix}.json`));
const tableFile = opt.results ? resultsFile.replace(/(\.json)?$/, '.table.md') : path.join(root, 'docs/results', `mt-kd-study${suffix}.table.md`);
// What outlives this machine (study-state.mjs): slim copies of the finished runs, the warm-start weights, the teacher.
const stateDir = path.resolve(opt.state || path.join(root, 'tools/bench/results', `mt-kd-study${suffix}-state`));
const cacheDir = path.join(outDir, '.cache');
if (!synthetic && !fs.existsSync(path.join(dataDir, 'train.de.gz'))) {
  console.error(`mt-kd study: Multi30k not found at ${dataDir} (pass --data DIR, or --synthetic)`);
  process.exit(2);
}
const modes = opt.modes ? opt.modes.split(',') : STUDY_MODES;
const unknownModes = modes.filter((m) => !STUDY_MODES.includes(m));
if (unknownModes.length > 0) {
  console.error(`mt-kd study: --modes: unknown objective(s) ${unknownModes.join(', ')} (known: ${STUDY_MODES.join(', ')})`);
  process.exit(2);
}
if (lrGrid.length !== 3 || lrGrid.some((x) => !(x > 0))) {
  console.error(`mt-kd study: --lr-grid needs three positive rates, got ${opt['lr-grid']}`);
  process.exit(2);
}

const core = require('@kt/core');
const mt = require('@kt/mt');
const log = core.createConsoleLogger();
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => log.info(l) });
const registry = new core.PluginRegistry([{ plugin: mt.mtPlugin, from: '@kt/mt' }]);
const container = core.buildContainer([mt.mtPlugin]);

/** The resolved config of one study run (the shipped `<prefix>-<mode>.yaml` with the study's overrides). */
function studyConfig(spec, extra = []) {
  const configFile = path.join(mt.mtPlugin.configsDir, `${prefix}-${spec.mode}.yaml`);
  return core.resolveExperimentConfig(core.applyOverrides(core.readConfigFile(configFile), [...overrides(spec), ...extra]), registry, configFile);
}

// Several processes may run one study side by side (one per core): each claims a run before starting it
// (<out>/.claims/<key>, holding its pid; a dead process's claim is taken over and its run resumed), and every
// read-modify-write of the results file happens under <results>.lock, merging what the others recorded.
// Both locks are core's run lock (RunLock: pid + host + token, a dead holder taken over under a guard file) on a
// directory: <out>/.claims/<key>/ for a claimed run, <out>/.results.lock/ for the results file.
const claimsDir = path.join(outDir, '.claims');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
/** core.RunLock on `dir` (created), or undefined when a live process holds it. */
function tryLock(dir) {
  fs.mkdirSync(dir, { recursive: true });
  try {
    return core.RunLock.acquire(dir);
  } catch (e) {
    if (e instanceof core.ConfigError) return undefined;
    throw e;
  }
}
/** Runs fn on the results file's current content under its lock (waiting for another process's write). */
function withResults(fn) {
  let lock;
  while (!(lock = tryLock(path.join(outDir, ".results.lock")))) sleepSync(100);
  try {
    const current = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : { done: {}, pairs: {}, parts: [] };
    return fn(current);
  } finally {
    lock.release();
  }
}
const claimDir = (key) => path.join(claimsDir, key);
const claimedByOther = (key) => core.RunLock.isHeld(claimDir(key));

let state = withResults((s) => s);
// On a new machine (or after runs/ was deleted) the saved teacher goes back into the cache, and a finished run
// whose directory is gone is read from its slim copy in the study state; a run with neither (or a warm-start
// source without its weights) cannot serve as a warm start or a paired test: it is dropped, with its pairs, and
// run again.
if (opt['dry-run'] !== true) {
  const restored = restoreTeachers(stateDir, cacheDir);
  if (restored.length > 0) log.info(`mt-kd study: teacher ${restored.join(', ')} restored from ${path.relative(root, stateDir)}`);
}
const slimDir = (key) => path.join(stateDir, 'runs', key);
const isFinishedRun = (dir) => core.isFinished(core.readSummary(dir));
/** A warm-start source: its weights must be kept (the no-KD learners from scratch). */
const warmSource = (r) => r.start === 'scratch' && r.mode === 'none';
/**
 * Points every recorded run whose directory is gone at its slim copy (when it has one, with weights where a warm
 * start needs them) and drops the others, with the pairs; returns what it did.
 */
function relocate(s) {
  // the warm starts: the no-KD learners from scratch at the chosen rate (every one until the rate is chosen)
  const noKdLr = chosenLr(s.done, { start: 'scratch', mode: 'none', lrGrid });
  const needsWeights = (r) => warmSource(r) && (noKdLr === undefined || r.lr === noKdLr);
  const missing = Object.entries(s.done).filter(([, r]) => !fs.existsSync(path.join(r.runDir, 'summary.json')));
  const moved = missing.filter(([k, r]) => fs.existsSync(path.join(slimDir(k), 'summary.json')) && (!needsWeights(r) || hasWeights(slimDir(k))));
  for (const [k, r] of moved) r.runDir = slimDir(k);
  const gone = missing.filter(([k]) => !moved.some(([m]) => m === k));
  for (const [k] of gone) delete s.done[k];
  if (gone.length > 0) s.pairs = {};
  return { moved, gone };
}
{
  const changed = (s) => {
    const { moved, gone } = relocate(s);
    if (moved.length > 0) log.info(`mt-kd study: ${moved.length} finished run(s) read from their copies in ${path.relative(root, stateDir)}`);
    if (gone.length > 0) console.error(`mt-kd study: ${gone.length} recorded run(s) have no run directory any more (${gone.map(([k]) => k).join(', ')}): they run again`);
    return moved.length + gone.length > 0;
  };
  if (opt['dry-run'] === true) changed(state);
  else state = withResults((s) => (changed(s) && writeJson(resultsFile, s), s));
}
// Runs finished before the study state existed (or by an older version of this script) get their copies now.
if (opt['dry-run'] !== true) {
  const missing = Object.entries(state.done).filter(([k, r]) => fs.existsSync(path.join(r.runDir, 'summary.json')) && r.runDir !== slimDir(k) && !fs.existsSync(path.join(slimDir(k), 'summary.json')));
  for (const [, r] of missing) persist(r);
  if (missing.length > 0) log.info(`mt-kd study: ${missing.length} finished run(s) copied to ${path.relative(root, stateDir)}`);
}
const settings = { prefix, seeds, lrGrid, evalEvery, maxSteps, teacherSteps, patience, valLimit: Number(opt['val-limit']) };
if (state.settings && JSON.stringify(state.settings) !== JSON.stringify(settings)) {
  console.error(`mt-kd study: ${path.relative(root, resultsFile)} was written with other settings (${JSON.stringify(state.settings)}); move it away to start over`);
  process.exit(2);
}
state.settings = settings;
const part = { id: `${process.pid}-${Date.now()}`, started: new Date().toISOString(), runs: 0, backend: backend.name, native: backend.native?.active ?? false, threads: process.env.KT_NUM_THREADS ?? 'default', machine: machine() };
const t0 = Date.now();

/** The overrides of one study run (on top of the shipped `<prefix>-<mode>.yaml`). */
function overrides(spec) {
  const sets = [
    `name=${spec.key}`,
    `train.lr=${spec.lr}`,
    `train.seed=${spec.seed}`,
    `train.steps=${maxSteps}`,
    `train.evalEvery=${evalEvery}`,
    `train.checkpointEvery=${evalEvery}`,
    `train.earlyStopping={metric: bleu, patience: ${patience}, mode: max}`,
    `validation.limit=${settings.valLimit}`,
    `teacher.train.steps=${teacherSteps}`,
    `teacher.train.evalEvery=${evalEvery * 2}`,
    `teacher.train.checkpointEvery=${evalEvery * 2}`,
    `teacher.train.earlyStopping={metric: bleu, patience: ${patience}, mode: max}`,
  ];
  if (!synthetic) sets.push(`data.root=${dataDir}`, 'data.trainLimit=29000');
  if (spec.init) sets.push(`learner.init=${spec.init}`);
  return sets;
}

/** An earlier, unfinished run directory of this key (a killed study): resumed from its checkpoint. */
function unfinishedRun(key) {
  if (!fs.existsSync(outDir)) return undefined;
  const dirs = fs.readdirSync(outDir).filter((d) => d.endsWith(`-${key}`)).sort();
  const last = dirs.at(-1);
  if (!last) return undefined;
  const summary = core.readSummary(path.join(outDir, last));
  return core.isFinished(summary) ? undefined : path.join(outDir, last);
}

const readLines = (file) => fs.readFileSync(file, 'utf8').replace(/\n$/, '').split('\n');

/** Paired bootstrap (BLEU) of backward vs forward for every seed whose two runs are final and not yet tested. */
function updatePairs() {
  for (const start of ['scratch', 'init']) {
    for (const [a, b] of PAIRS) {
      const key = `${start}.${a}~${b}`;
      const tested = (state.pairs[key] ??= {});
      for (const seed of seeds) {
        if (tested[seed] !== undefined) continue;
        const final = (mode) => finalRuns(state.done, { start, mode, lrGrid, seeds }).find((r) => r.seed === seed);
        const ra = final(a);
        const rb = final(b);
        if (!ra || !rb) continue;
        const art = (r, f) => path.join(r.runDir, 'artifacts', f);
        const refs = readLines(fs.existsSync(art(ra, 'test.ref.txt')) ? art(ra, 'test.ref.txt') : path.join(stateDir, 'test.ref.txt'));
        const result = mt.pairedTestLines(readLines(art(ra, 'test.hyp.txt')), readLines(art(rb, 'test.hyp.txt')), [refs], { test: 'bs', samples: 1000, seed: 12345 });
        tested[seed] = result.metrics.BLEU.system.pValue;
      }
    }
  }
}

/**
 * Copies what a later part on another machine needs into the study state: the finished run (slim; with its weights
 * when it is a warm-start source), the test references once, the teacher once it is trained; and drops the weights
 * of the no-KD grid runs whose rate was not chosen.
 */
function persist(finished) {
  slimCopy(finished.runDir, slimDir(finished.key), { weights: warmSource(finished) });
  const ref = path.join(finished.runDir, 'artifacts', 'test.ref.txt');
  if (!fs.existsSync(path.join(stateDir, 'test.ref.txt')) && fs.existsSync(ref)) fs.copyFileSync(ref, path.join(stateDir, 'test.ref.txt'));
  saveTeachers(cacheDir, stateDir, isFinishedRun);
}
/** After the no-KD grid has chosen its rate, the other grid runs' weights are not needed. */
function pruneWeights(done) {
  const lr = chosenLr(done, { start: 'scratch', mode: 'none', lrGrid });
  if (lr === undefined) return;
  for (const other of lrGrid.filter((x) => x !== lr)) dropWeights(slimDir(runKey({ start: 'scratch', mode: 'none', lr: other, seed: 0 })));
}

/** Merges this process's finished run (if any) and part into the results file and rewrites it and the table. */
function save(final, finished) {
  part.minutes = (Date.now() - t0) / 60000;
  if (finished) persist(finished);
  state = withResults((s) => {
    s.settings = settings;
    if (finished) s.done[finished.key] = finished;
    // a part that trained nothing (a --figures or --dry-run invocation, a restart that found everything done) is no part
    s.parts = [...s.parts.filter((p) => p.id !== part.id && p.runs > 0), ...(part.runs > 0 ? [part] : [])];
    state = s;
    pruneWeights(s.done);
    updatePairs();
    s.updated = new Date().toISOString();
    s.complete = final;
    writeJson(resultsFile, s);
    return s;
  });
  const teacher = Object.values(state.done).find((r) => r.teacher)?.teacher;
  const head =
    `MT forward-vs-backward study on ${synthetic ? 'the synthetic pair' : 'Multi30k De→En (29,000 pairs; test_2016_flickr)'}; ` +
    `${seeds.length} seeds, lr grid ${lrGrid.join('/')}, early stopping on val BLEU (first ${settings.valLimit} val sentences, greedy; every ${evalEvery} steps, patience ${patience}); ` +
    (teacher ? `teacher test BLEU ${teacher.test?.bleu?.toFixed(2)}, chrF ${teacher.test?.chrf?.toFixed(2)}.` : 'teacher: not yet trained.');
  const md = studyTables(state.done, { modes: STUDY_MODES, lrGrid, seeds, pairs: state.pairs, labels: MODE_LABELS });
  const minutes = state.parts.reduce((s, p) => s + (p.minutes ?? 0), 0);
  // A part is one process's invocation (two side by side on two cores are two parts): the minutes are process-minutes.
  // Runs trained more than once (a machine's runs/ lost before the state reached git) or discarded cost minutes too.
  const n = Object.keys(state.done).length;
  const trained = state.parts.reduce((s, p) => s + (p.runs ?? 0), 0);
  const extra = trained > n ? ` (they trained ${trained} runs: ${trained - n} were trained again after a machine's runs were lost, or discarded)` : '';
  writeText(tableFile, `${head}\n\n${md}\n${final ? 'Complete' : 'Partial'}: ${n} runs, ${minutes.toFixed(0)} process-minutes in ${state.parts.length} process invocation(s) that finished runs${extra}, ${state.updated}.\n`);
}

if (opt['dry-run'] === true) {
  const { pending, blocked } = studyRuns(state.done, { modes, lrGrid, seeds });
  for (const spec of pending) {
    const config = studyConfig(spec);
    core.validateExperiment(config, container, spec.key);
    console.log(`${spec.key}: ${config.task}, lr ${config.train.lr}, ≤ ${config.train.steps} steps, early stopping ${JSON.stringify(config.train.earlyStopping)}`);
  }
  console.log(`${pending.length} runs can start now, ${blocked} wait for others; ${Object.keys(state.done).length} done (${path.relative(root, resultsFile)})`);
  process.exit(0);
}

if (opt['teacher-only'] === true) {
  // The teacher is provisioned by the first KD run of the study (content-keyed cache in <out>/.cache): a one-step
  // learner of that run's config in a scratch directory trains it (or finds it) with exactly the study's settings.
  const probeDir = path.join(outDir, '.teacher-probe');
  const config = studyConfig({ start: 'scratch', mode: 'word-forward', lr: lrGrid[0], seed: 0, key: 'teacher-probe' }, ['train.steps=1', 'train.evalEvery=1', 'train.checkpointEvery=1']);
  const t = Date.now();
  const { runDir } = await core.runExperiment({ config, container, log, backend: backend.name, outDir: probeDir, cacheDir, progress: true });
  const teacher = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'teacher.json'), 'utf8'));
  fs.rmSync(probeDir, { recursive: true, force: true });
  saveTeachers(cacheDir, stateDir, isFinishedRun);
  log.info(`mt-kd study: teacher ready in ${path.relative(root, path.join(outDir, '.cache'))} (${((Date.now() - t) / 60000).toFixed(1)} min): test BLEU ${teacher.test?.bleu?.toFixed(2)}`);
  process.exit(0);
}

// SIGINT/SIGTERM (e.g. `pkill -f "run.mjs --study"` at the end of a session): the current run checkpoints after its
// step and ends `interrupted`, the study records nothing for it and exits 0; the same command resumes it. A second
// signal aborts at once (core.installStopHandlers, as `kt run`).
const stop = core.installStopHandlers((text) => process.stderr.write(text));
function stopHere(what) {
  save(false);
  log.info(`mt-kd study: stopped by ${stop.signal}${what}; run the same command again to continue`);
  process.exit(0);
}
const allDone = (done) => ((p) => p.pending.length === 0 && p.blocked === 0)(studyRuns(done, { modes: STUDY_MODES, lrGrid, seeds }));
for (;;) {
  if (stop.shouldStop()) stopHere('');
  state = withResults((s) => s);
  const plan = studyRuns(state.done, { modes, lrGrid, seeds });
  const { blocked } = plan;
  const pending = plan.pending.filter((spec) => !claimedByOther(spec.key));
  const othersRunning = plan.pending.length > pending.length || (fs.existsSync(claimsDir) && fs.readdirSync(claimsDir).some((k) => claimedByOther(k)));
  if (pending.length === 0) {
    if (othersRunning) {
      await sleep(15_000); // another process runs what is left or what the rest waits for
      continue;
    }
    if (blocked > 0 && modes.length === STUDY_MODES.length) throw new Error(`mt-kd study: ${blocked} runs are blocked with nothing runnable (a failed run?)`);
    break;
  }
  if ((Date.now() - t0) / 60000 > Number(opt['max-minutes'])) {
    log.info(`mt-kd study: --max-minutes ${opt['max-minutes']} reached with ${pending.length}+ runs to go; run the same command again to continue`);
    save(false);
    process.exit(0);
  }
  const spec = pending[0];
  const claim = tryLock(claimDir(spec.key));
  if (!claim) continue; // another process claimed it first
  const config = studyConfig(spec);
  const resumeDir = unfinishedRun(spec.key);
  log.info(`mt-kd study: ${spec.key}${resumeDir ? ` (resuming ${resumeDir})` : ''}`);
  const t = Date.now();
  const cpu0 = process.cpuUsage(); // this process runs one run at a time: its CPU time is the run's (BLAS threads included)
  const { runDir, summary } = await core.runExperiment({ config, container, log: core.createMemoryLogger(), backend: backend.name, outDir, progress: false, shouldStop: stop.shouldStop, ...(resumeDir ? { resumeDir } : {}) });
  if (summary.status === 'interrupted' && stop.shouldStop()) {
    claim.release();
    stopHere(`: ${spec.key} checkpointed at step ${summary.steps} (${path.relative(root, runDir)})`);
  }
  if (!core.isFinished(summary)) throw new Error(`mt-kd study: ${spec.key} ended ${summary.status}: ${summary.error ?? ''} (${runDir})`);
  const records = readLines(path.join(runDir, 'metrics.jsonl')).map((l) => JSON.parse(l));
  const teacherFile = path.join(runDir, 'artifacts', 'teacher.json');
  const finished = {
    ...spec,
    runDir,
    seconds: (Date.now() - t) / 1000,
    cpuSeconds: ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(cpu0)),
    // A resumed run's seconds and CPU are this process's share only; its training time over all of them is the trainer's.
    ...(resumeDir ? { resumed: true } : {}),
    // The teacher's provisioning inside this run (trained here, or waited for while another process trained it).
    ...teacherTime(summary),
    trainSeconds: summary.timings?.trainSeconds,
    status: summary.status,
    steps: summary.steps,
    bestStep: bestValStep(records),
    val: summary.val,
    test: summary.test,
    teacher: fs.existsSync(teacherFile) ? JSON.parse(fs.readFileSync(teacherFile, 'utf8')) : undefined,
  };
  part.runs += 1;
  save(false, finished);
  claim.release();
  log.info(`mt-kd study: ${spec.key}: val BLEU ${summary.val?.bleu?.toFixed(2)}, test BLEU ${summary.test?.bleu?.toFixed(2)} after ${summary.steps} steps`);
}
const complete = allDone(state.done);
save(complete);
log.info(complete ? `mt-kd study complete: ${path.relative(root, tableFile)}` : `mt-kd study: the runs of ${modes.join(', ')} are done (${path.relative(root, tableFile)}); the other objectives wait for a command without --modes`);
if (opt.figures === true && complete) {
  for (const start of ['scratch', 'init']) {
    const runDirs = STUDY_MODES.flatMap((mode) => finalRuns(state.done, { start, mode, lrGrid, seeds }).map((r) => r.runDir));
    writeFigures({
      bench: `mt-kd-study${suffix}-${start}`,
      doc: 'mt-kd',
      runDirs,
      title: `MT forward vs backward (${synthetic ? 'synthetic pair' : 'Multi30k'}), ${START_LABELS[start]}`,
      heading: `${synthetic ? 'synthetic pair' : 'Multi30k'}, ${start === 'scratch' ? 'learners from scratch' : 'learners from the no-KD learner\'s best checkpoint'}`,
      source: `node tools/bench/mt-kd/run.mjs --study${synthetic ? ' --synthetic' : ''}`,
      // the learning curves; the speed metrics (also logged at each evaluation) are in the tables
      charts: ['val.bleu', 'val.chrf', 'val.nll', 'train.loss'],
      // a warm start's checkpoint is its seed's no-KD run: seeds of one setting differ in learner.init too
      reportArgs: start === 'init' ? ['--seed-fields', 'learner.init'] : [],
    });
  }
}
