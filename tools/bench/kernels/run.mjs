#!/usr/bin/env node
// Kernel benchmark for @kt/native, and kt side by side with PyTorch. Build first:
//   npx nx run-many -t build        (@kt/native's addon is compiled by npm ci; core, mt: FusedAdam, the MT model)
// then:  node tools/bench/kernels/run.mjs [--quick] [--only=matmul,conv,transformer,mt,profile,reference] [--no-docs] [--mt-cpu]
//        node tools/bench/kernels/run.mjs --only=reference            (kt vs PyTorch only, ~5 min)
//        node tools/bench/kernels/run.mjs --only=reference --reference-cases=finetune-l2-sp,recognition
//                       (those rows only; the other rows of reference.json are kept)
//        node tools/bench/kernels/run.mjs --soak=1000 [--soak-cases=mt-kd,greedy,beam]   (memory growth check only)
//        node tools/bench/kernels/run.mjs --docs-only   (rewrite the doc from the last JSON + notes.md)
// Prints tables, writes tools/bench/results/kernels.json (+ reference.json, soak.json) and docs/results/kernels.md.
// "reference": each step (benchmark transformer, MT word-KD step, classify KD step, finetune step with L2-SP, BSS and
// DELTA, synthesis recognition step, greedy and beam decoding) runs in a kt process of
// its own (step-worker.mjs) that exports its initial weights and batch, then in PyTorch (../reference/*.py, when a
// python3 with torch is found; KT_BENCH_PYTHON overrides) with 1 thread and with all cores, from those weights.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath } from 'url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { TRANSFORMER, transformerTrainer } from './transformer.mjs';
import { MT_KD, mtKdDescription, mtKdTrainer } from './mt-kd-step.mjs';
import { classifyKdDescription } from './classify-kd-step.mjs';
import { FINETUNE_REGULARISERS, finetuneStepDescription } from './finetune-step.mjs';
import { recognitionStepDescription } from './recognition-step.mjs';
import { nativeModule } from './native-module.mjs';
import { findTorchPython, referenceTable, runReference, sameInitialLoss, soakProblems } from '../reference/compare.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const native = nativeModule();

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : undefined;
// --docs-only: no measurement; rewrite docs/results/kernels.md from tools/bench/results/kernels.json and notes.md.
const docsOnly = args.includes('--docs-only');
const want = (name) => !docsOnly && (!only || only.has(name));
const soakArg = args.find((a) => a.startsWith('--soak='));
const soakSteps = soakArg ? Number(soakArg.slice(7)) : 0;
if (soakArg && !(Number.isInteger(soakSteps) && soakSteps > 0)) {
  console.error(`--soak must be a positive integer number of steps, got '${soakArg.slice(7)}'`);
  process.exit(2);
}
const writeDocs = docsOnly || (!args.includes('--no-docs') && !only && !quick && !soakArg);

const CONFIGS = [
  { id: 'wasm', label: 'wasm' },
  { id: 'native-system', label: 'wasm+native(system BLAS)' },
  { id: 'native-portable', label: 'wasm+native(portable)' },
  { id: 'cpu', label: 'cpu' },
];

const status = native.nativeStatus();
if (!status.available) console.warn(`@kt/native unavailable: ${status.reason}; native columns will be empty`);

async function use(config) {
  native.unregisterNativeKernels();
  if (config === 'cpu') {
    await tf.setBackend('cpu');
    return true;
  }
  await tf.setBackend('wasm');
  if (config === 'wasm') return true;
  if (!status.available) return false;
  native.registerNativeKernels({ blas: config === 'native-system' ? 'system' : 'portable' });
  return true;
}

/** Process CPU time (all threads) per repetition of the last time() call. */
let lastCpuMsPerRep = NaN;

/** Median wall time (ms) of fn() after a warm-up; repeats until ~budget ms. */
function time(fn, { budgetMs = quick ? 300 : 1200, minReps = 2, maxReps = 25, warmup = true } = {}) {
  if (warmup) fn();
  const times = [];
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  while (times.length < minReps || (times.length < maxReps && performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  lastCpuMsPerRep = (cpu.user + cpu.system) / 1e3 / times.length;
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function tryTime(fn, opts) {
  try {
    return time(fn, opts);
  } catch (err) {
    return { error: String(err && err.message ? err.message : err).split('\n')[0].slice(0, 80) };
  }
}

const resultsFile = path.join(root, 'tools/bench/results/kernels.json');
const referenceFile = path.join(root, 'tools/bench/results/reference.json');
const soakFile = path.join(root, 'tools/bench/results/soak.json');
const worker = path.join(here, 'step-worker.mjs');

/** Runs step-worker.mjs; returns its JSON record (last stdout line; { error } on failure) and its exit status (timeoutMs 0: none). */
function runWorker(workerArgs, timeoutMs = 3_600_000) {
  const r = spawnSync(process.execPath, [worker, ...workerArgs], { encoding: 'utf8', timeout: timeoutMs > 0 ? timeoutMs : undefined, maxBuffer: 16 << 20 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    record = { error: `step-worker ${workerArgs.join(' ')}: exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}` };
  }
  if (r.stderr && r.status !== 0) process.stderr.write(r.stderr);
  return { record, status: r.status };
}

// ---- memory soak (--soak=N): no timing, only growth ---------------------------------------------------------
if (soakArg) {
  const cases = (args.find((a) => a.startsWith('--soak-cases='))?.slice(13) ?? 'mt-kd,greedy,beam').split(',');
  const rows = [];
  for (const c of cases) {
    console.log(`soak: ${c}, ${soakSteps} steps (one decode of the batch counts as a step) ...`);
    const { record } = runWorker(['--case', c, '--soak', String(soakSteps)], 0);
    const problems = record.error !== undefined ? [record.error] : soakProblems(record.soak);
    rows.push({ case: c, ...record, problems });
    const s = record.soak;
    console.log(s ? `  tensors ${s.tensorsStart} → ${s.tensorsMid} → ${s.tensorsEnd}; RSS ${s.rssStartMiB} → ${s.rssMidMiB} → ${s.rssEndMiB} MiB; ${problems.length ? `GROWTH: ${problems.join('; ')}` : 'no growth'}` : `  ${record.error}`);
  }
  fs.mkdirSync(path.dirname(soakFile), { recursive: true });
  fs.writeFileSync(soakFile, JSON.stringify({ date: new Date().toISOString(), steps: soakSteps, loadAverage: os.loadavg(), rows }, null, 2) + '\n');
  console.log(`wrote ${path.relative(root, soakFile)}`);
  const failed = rows.filter((r) => r.problems.length > 0);
  if (failed.length > 0) {
    console.error(`\nSOAK FAILED: ${failed.map((r) => `${r.case}: ${r.problems.join('; ')}`).join(' | ')}`);
    process.exit(1);
  }
  process.exit(0);
}
const fresh = () => ({ matmul: [], conv: [], transformer: [], mt: [], profile: {} });
const previous = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : fresh();
// --only=…: the sections not run keep their last results (so `--only=reference` does not wipe the kernel tables).
const results = docsOnly ? previous : only ? { ...fresh(), ...previous } : fresh();
for (const section of ['matmul', 'conv', 'transformer', 'mt']) if (want(section)) results[section] = [];
if (want('profile')) results.profile = {};
const loadAtStart = os.loadavg().map((x) => +x.toFixed(2));

// ---- matmul -------------------------------------------------------------
if (want('matmul')) {
  const sizes = quick ? [64, 256, 512] : [64, 128, 256, 512, 1024];
  for (const n of sizes) {
    const row = { case: `matMul ${n}x${n}x${n}`, gflop: (2 * n ** 3) / 1e9 };
    for (const c of CONFIGS) {
      if (!(await use(c.id))) continue;
      const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
      const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
      const heavy = c.id === 'cpu' && n >= 512;
      row[c.id] = tryTime(
        () => {
          const out = tf.matMul(a, b);
          out.dataSync();
          out.dispose();
        },
        heavy ? { minReps: 1, maxReps: 1, budgetMs: 0, warmup: false } : undefined,
      );
      tf.dispose([a, b]);
    }
    results.matmul.push(row);
    console.log(JSON.stringify(row));
  }
}

// ---- conv ---------------------------------------------------------------
if (want('conv')) {
  const shapes = [
    { name: '32x28x28x1 -> 32, 3x3 same', x: [32, 28, 28, 1], f: [3, 3, 1, 32] },
    { name: '32x14x14x32 -> 64, 3x3 same', x: [32, 14, 14, 32], f: [3, 3, 32, 64] },
  ];
  for (const s of shapes) {
    for (const op of ['forward', 'backpropInput', 'backpropFilter']) {
      const row = { case: `conv ${s.name} ${op}` };
      for (const c of CONFIGS) {
        if (!(await use(c.id))) continue;
        const x = tf.randomUniform(s.x, -1, 1, 'float32', 3);
        const f = tf.randomUniform(s.f, -1, 1, 'float32', 4);
        const dy = tf.randomUniform([s.x[0], s.x[1], s.x[2], s.f[3]], -1, 1, 'float32', 5);
        const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
        const run = {
          forward: () => tf.conv2d(x, f, 1, 'same'),
          backpropInput: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: s.x }),
          backpropFilter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: s.f }),
        }[op];
        row[c.id] = tryTime(() => {
          const out = run();
          out.dataSync();
          out.dispose();
        }, c.id === 'cpu' ? { minReps: 1, maxReps: 1, warmup: false } : undefined);
        tf.dispose([x, f, dy]);
      }
      results.conv.push(row);
      console.log(JSON.stringify(row));
    }
  }
}

// ---- transformer step ---------------------------------------------------
const VARIANTS = {
  plain: 'transformer train step, plain tfjs ops + tf.train.adam',
  fused: 'transformer train step, fused (FusedAdam, KtGelu, KtLayerNorm, KtAttention, KtSoftmaxXent, fused matMul+bias)',
};

/** Times trainer.step() on every config; the row gets wall median, CPU per step and first/last loss. */
async function timeSteps(row, makeTrainer, { cpuAllowed = true, reps = { minReps: 5, maxReps: 15 } } = {}) {
  for (const c of CONFIGS) {
    if (c.id === 'cpu' && !cpuAllowed) continue;
    if (!(await use(c.id))) continue;
    const trainer = makeTrainer();
    let loss = NaN;
    let firstLoss;
    row[c.id] = tryTime(() => {
      loss = trainer.step();
      if (firstLoss === undefined) firstLoss = loss;
    }, c.id === 'cpu' ? { minReps: 1, maxReps: 1, budgetMs: 0, warmup: false } : { ...reps, budgetMs: quick ? 500 : 2500 });
    row[`${c.id}-cpuMs`] = +lastCpuMsPerRep.toFixed(1);
    row[`${c.id}-firstLoss`] = firstLoss;
    row[`${c.id}-lastLoss`] = loss;
    if (trainer.optimizer && typeof trainer.optimizer.nativeUpdates === 'number') row[`${c.id}-nativeAdamUpdates`] = trainer.optimizer.nativeUpdates;
    trainer.dispose();
  }
}

if (want('transformer')) {
  for (const variant of ['plain', 'fused']) {
    const row = { case: VARIANTS[variant] };
    await timeSteps(row, () => transformerTrainer(TRANSFORMER, variant));
    results.transformer.push(row);
    console.log(JSON.stringify(row));
  }
}

// ---- MT learner KD step ----------------------------------------------------
if (want('mt')) {
  const row = { case: `MT KD step (${mtKdDescription(MT_KD)})` };
  // cpu takes minutes per step at this size; only with --mt-cpu.
  await timeSteps(row, () => mtKdTrainer(MT_KD), { cpuAllowed: args.includes('--mt-cpu'), reps: { minReps: 3, maxReps: 6 } });
  results.mt.push(row);
  console.log(JSON.stringify(row));
}

// ---- profile of one step (tf.profile) ---------------------------------------
async function profileStep(config, makeTrainer) {
  if (!(await use(config))) return undefined;
  const trainer = makeTrainer();
  trainer.step();
  trainer.step();
  const info = await tf.profile(() => {
    trainer.step();
  });
  trainer.dispose();
  const backend = config === 'cpu' ? 'cpu' : 'wasm';
  const byKernel = new Map();
  for (const k of info.kernels) {
    const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byKernel.get(k.name) ?? { kernel: k.name, ms: 0, calls: 0 };
    e.ms += t;
    e.calls += 1;
    byKernel.set(k.name, e);
  }
  // tf.profile also lists op / customGrad scopes (fusedMatMul__op, 'forward', 'unnamed scope', ...) whose
  // time includes their kernels: only registered kernels count in the total and the table.
  const isKernel = (name) => tf.getKernel(name, backend) !== undefined;
  const rows = [...byKernel.values()].filter((r) => isKernel(r.kernel)).sort((a, b) => b.ms - a.ms);
  const scopes = [...byKernel.values()].filter((r) => !isKernel(r.kernel)).sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((s, r) => s + r.ms, 0);
  const calls = rows.reduce((s, r) => s + r.calls, 0);
  const round = (r) => ({ ...r, ms: +r.ms.toFixed(2) });
  return { totalKernelMs: total, kernelCalls: calls, kernels: rows.map(round), scopes: scopes.map(round) };
}

if (want('profile')) {
  results.profile['transformer, wasm, plain'] = await profileStep('wasm', () => transformerTrainer(TRANSFORMER, 'plain'));
  results.profile['transformer, native-system, plain'] = await profileStep('native-system', () => transformerTrainer(TRANSFORMER, 'plain'));
  results.profile['transformer, native-system, fused'] = await profileStep('native-system', () => transformerTrainer(TRANSFORMER, 'fused'));
  results.profile['MT KD step, native-system'] = await profileStep('native-system', () => mtKdTrainer(MT_KD));
  results.profile['MT KD step, wasm'] = await profileStep('wasm', () => mtKdTrainer(MT_KD));
  for (const [name, p] of Object.entries(results.profile)) {
    if (!p) continue;
    console.log(`\nprofile ${name}: total kernel time ${p.totalKernelMs.toFixed(1)} ms in ${p.kernelCalls} kernel calls`);
    for (const r of p.kernels.slice(0, 12)) console.log(`  ${r.kernel.padEnd(24)} ${String(r.ms).padStart(8)} ms  ${r.calls} calls`);
  }
}
native.unregisterNativeKernels();

// ---- kt vs PyTorch (tools/bench/reference) ------------------------------------------------------------------
const REFERENCE_CASES = [
  { id: 'transformer', label: 'benchmark transformer step (2 layers D128, 4 heads, T64, batch 8, vocab 512, Adam), kt fused ops', script: 'transformer_step.py', args: [], reps: ['--min-steps', '5', '--max-steps', '25', '--budget-ms', '3000'] },
  { id: 'mt-kd', label: `MT word-KD step (${mtKdDescription(MT_KD)}, dropout 0.1)`, script: 'mt_kd_step.py', args: [], reps: ['--min-steps', '3', '--max-steps', '8', '--budget-ms', '6000'] },
  // The same step with the generalized JSD at β ½ (word-level JSD; ADI's competition term): kt's fused KtTokenJsd.
  { id: 'mt-kd-jsd', label: 'the same MT step with generalized JSD (β 0.5) instead of forward KL', script: 'mt_kd_step.py', args: ['--divergence', 'jsd'], reps: ['--min-steps', '3', '--max-steps', '8', '--budget-ms', '6000'] },
  // The same model and batch on both sides: the initial loss must agree to 1e-5 (relative).
  { id: 'classify', label: `classify KD step (${classifyKdDescription()}, forward KL τ 4, α 0.5, Adam)`, script: 'classify_kd_step.py', args: [], reps: ['--min-steps', '5', '--max-steps', '25', '--budget-ms', '4000'], lossTol: 1e-5 },
  // Each plugin's main training step (issue #9 §2): finetune (three regularisers) and synthesis' recognition model.
  ...FINETUNE_REGULARISERS.map((r) => ({ id: `finetune-${r}`, label: `finetune step (${finetuneStepDescription(undefined, r)})`, script: 'finetune_step.py', args: ['--regulariser', r], reps: ['--min-steps', '5', '--max-steps', '25', '--budget-ms', '3000'], lossTol: 1e-5 })),
  { id: 'recognition', label: `synthesis recognition step (${recognitionStepDescription()}, Adam)`, script: 'recognition_step.py', args: [], reps: ['--min-steps', '5', '--max-steps', '25', '--budget-ms', '3000'], lossTol: 1e-5 },
  { id: 'greedy', label: 'MT greedy decoding, KV cache: 32 sentences x 20 tokens (V8000 D256 FF1024 3+3 layers)', script: 'mt_decode.py', args: ['--mode', 'greedy'], reps: ['--min-steps', '3', '--max-steps', '6', '--budget-ms', '6000'] },
  { id: 'beam', label: 'MT beam-4 decoding, KV cache: 32 sentences x 20 tokens (same model)', script: 'mt_decode.py', args: ['--mode', 'beam', '--beam', '4'], reps: ['--min-steps', '2', '--max-steps', '4', '--budget-ms', '6000'] },
  // On-policy KD's decoding (the sequence-level backward KL / GKD learner samples every step): kt's sampleDecode vs
  // softmax + torch.multinomial.
  { id: 'sample', label: 'MT sampling (temperature 1, full vocabulary), KV cache: 32 sentences x 20 tokens (same model)', script: 'mt_decode.py', args: ['--mode', 'sample'], reps: ['--min-steps', '3', '--max-steps', '6', '--budget-ms', '6000'] },
];
const QUICK_REPS = ['--min-steps', '2', '--max-steps', '2', '--budget-ms', '0'];
// --reference-cases=a,b: only those rows are measured; the others keep their last record in reference.json.
const referenceCasesArg = args.find((a) => a.startsWith('--reference-cases='));
const referenceCases = referenceCasesArg ? referenceCasesArg.slice('--reference-cases='.length).split(',').filter(Boolean) : undefined;
const unknownCases = (referenceCases ?? []).filter((id) => !REFERENCE_CASES.some((c) => c.id === id));
if (referenceCases !== undefined && (referenceCases.length === 0 || unknownCases.length > 0)) {
  console.error(`--reference-cases: unknown case '${unknownCases.join("', '")}' (known: ${REFERENCE_CASES.map((c) => c.id).join(', ')})`);
  process.exit(2);
}
const previousReference = fs.existsSync(referenceFile) ? JSON.parse(fs.readFileSync(referenceFile, 'utf8')) : undefined;
let reference = docsOnly ? previousReference : undefined;
if (want('reference')) {
  const found = findTorchPython();
  if (found.python === undefined) console.warn(`PyTorch reference skipped: ${found.reason}`);
  let torchBlas = 'unknown';
  try {
    torchBlas = fs.realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3');
  } catch {
    // not Debian multiarch
  }
  reference = { date: new Date().toISOString(), python: found.python, torch: found.torch, skipped: found.reason, torchBlas, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(2)), busyAtStart: othersBusy(), rows: [] };
  for (const c of REFERENCE_CASES) {
    if (referenceCases !== undefined && !referenceCases.includes(c.id)) {
      const kept = previousReference?.rows.find((r) => r.id === c.id);
      if (kept !== undefined) reference.rows.push({ ...kept, measured: kept.measured ?? previousReference.date });
      continue;
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-bench-ref-'));
    try {
      const prefix = path.join(tmp, c.id);
      const reps = quick ? QUICK_REPS : c.reps;
      const kt = runWorker(['--case', c.id, '--export', prefix, ...reps]).record;
      const row = { id: c.id, label: c.label, measured: reference.date, kt };
      if (found.python !== undefined && kt.error === undefined) {
        row.torch1 = runReference(found.python, c.script, [...c.args, ...reps, '--weights', prefix, '--threads', '1']);
        row.torchAll = runReference(found.python, c.script, [...c.args, ...reps, '--weights', prefix, '--threads', '0']);
        row.sameInitialLoss = sameInitialLoss(kt.initialLoss, row.torch1.initialLoss, c.lossTol);
      }
      reference.rows.push(row);
      console.log(JSON.stringify(row));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  reference.loadAverage = os.loadavg().map((x) => +x.toFixed(2));
  if (!quick) {
    fs.mkdirSync(path.dirname(referenceFile), { recursive: true });
    fs.writeFileSync(referenceFile, JSON.stringify(reference, null, 2) + '\n');
    console.log(`wrote ${path.relative(root, referenceFile)}`);
  }
}
const referenceMd = reference === undefined ? undefined : referenceTable(reference.rows, { threadsAll: reference.cores });
if (referenceMd !== undefined) {
  console.log(`\nkt (wasm + native, ${reference.cores} threads) vs PyTorch ${reference.torch ?? '(not found)'}:\n\n${referenceMd}\n`);
  if (reference.skipped) console.log(`PyTorch columns skipped: ${reference.skipped}\n`);
  const mismatch = reference.rows.filter((r) => r.sameInitialLoss === false);
  if (mismatch.length > 0) console.warn(`initial loss differs between kt and PyTorch for: ${mismatch.map((r) => r.id).join(', ')} (the two steps are not the same computation)`);
}

// ---- report ---------------------------------------------------------------
function cell(v) {
  if (v === undefined) return 'n/a';
  if (typeof v === 'object') return v.error.includes('not registered') ? 'not registered' : `error`;
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function table(rows) {
  const head = `| case | ${CONFIGS.map((c) => c.label).join(' | ')} |`;
  const sep = `|---|${CONFIGS.map(() => '---:').join('|')}|`;
  const body = rows.map((r) => `| ${r.case} | ${CONFIGS.map((c) => cell(r[c.id])).join(' | ')} |`);
  return [head, sep, ...body].join('\n');
}

const cpuModel = (os.cpus()[0] && os.cpus()[0].model) || 'unknown';
let openblas = 'unknown';
try {
  openblas = fs.readdirSync('/usr/lib/x86_64-linux-gnu/openblas-pthread').find((f) => /^libopenblasp-r.*\.so$/.test(f)) ?? 'unknown';
} catch {
  // not Debian
}
// A run of --only=reference measures no kernel table: the machine record stays that of the tables.
const kernelSectionsRun = ['matmul', 'conv', 'transformer', 'mt', 'profile'].some(want);
const machine = docsOnly || !kernelSectionsRun ? results.machine : {
  cpu: cpuModel,
  cores: os.cpus().length,
  memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
  tfjs: tf.version.tfjs,
  wasmSimd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
  wasmThreads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  native: status,
  openblas,
  loadAverageAtStart: loadAtStart,
  loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
  date: new Date().toISOString(),
};
results.machine = machine;

const all = [...results.matmul, ...results.conv, ...results.transformer, ...results.mt];
const md = table(all);
// Transformer step: wall (median) and process CPU time (all threads) per step.
const stepTable = [
  `| case | ${CONFIGS.map((c) => `${c.label} wall / CPU`).join(' | ')} |`,
  `|---|${CONFIGS.map(() => '---:').join('|')}|`,
  ...[...results.transformer, ...results.mt].map(
    (r) => `| ${r.case} | ${CONFIGS.map((c) => (r[c.id] === undefined ? 'n/a' : `${cell(r[c.id])} / ${cell(r[`${c.id}-cpuMs`])}`)).join(' | ')} |`,
  ),
].join('\n');
const lossTable = [
  `| case | ${CONFIGS.map((c) => c.label).join(' | ')} |`,
  `|---|${CONFIGS.map(() => '---:').join('|')}|`,
  ...[...results.transformer, ...results.mt].map(
    (r) => `| ${r.case} | ${CONFIGS.map((c) => (r[`${c.id}-firstLoss`] === undefined ? 'n/a' : r[`${c.id}-firstLoss`].toFixed(6))).join(' | ')} |`,
  ),
].join('\n');
if (kernelSectionsRun || docsOnly) console.log(`\n${md}\n\n${stepTable}\n\n${lossTable}\n`);
if (!docsOnly && kernelSectionsRun) {
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');
  console.log(`wrote ${path.relative(root, resultsFile)}`);
}

/** The kt-vs-PyTorch section of the doc, from reference.json. */
/** Share of all cores busy (non-idle) over one second, from /proc/stat; undefined where there is none. */
function othersBusy() {
  const sample = () => {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = line[3] + (line[4] ?? 0);
    return { idle, total: line.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = sample();
    const until = Date.now() + 1000;
    while (Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    const b = sample();
    const total = b.total - a.total;
    return total > 0 ? +(1 - (b.idle - a.idle) / total).toFixed(3) : undefined;
  } catch {
    return undefined;
  }
}

function referenceSection() {
  if (reference === undefined) return '## kt vs PyTorch\n\nNot measured in this run (`node tools/bench/kernels/run.mjs --only=reference`).\n';
  const r = reference;
  const torch = r.torch ? `PyTorch ${r.torch} (${r.python}; BLAS ${r.torchBlas})` : `PyTorch not found: ${r.skipped}`;
  const loss = r.rows
    .filter((x) => x.sameInitialLoss !== undefined)
    .map((x) => `${x.id}: ${x.sameInitialLoss ? 'same' : 'DIFFERENT'}`)
    .join(', ');
  const greedy = r.rows.find((x) => x.id === 'greedy');
  const maxLoad = Math.max(r.loadAverageAtStart[0], r.loadAverage[0]);
  // The load average trails the last minutes (and counts this benchmark's own processes), so a run that starts
  // just after busy work reads as loaded; where it was sampled, the share of CPU busy in the second before the run
  // decides (other processes only: nothing of this benchmark runs yet).
  const busy = r.busyAtStart;
  const loaded =
    (busy !== undefined ? busy > 0.2 : maxLoad > 0.5 * r.cores)
      ? `**Measured under load** (${busy !== undefined ? `${(busy * 100).toFixed(0)} % of the CPU busy with other processes in the second before the run; ` : ''}1-minute load average up to ${maxLoad.toFixed(1)} on ${r.cores} cores: other jobs were running): wall times are inflated, most for\nmulti-threaded runs that wait for a busy core; CPU times are steadier. Re-measure on a quiet machine with\n\`npx nx run-many -t build && node tools/bench/kernels/run.mjs\`.\n\n`
      : '';
  const kept = r.rows.filter((x) => x.measured !== undefined && x.measured !== r.date);
  const keptNote = kept.length > 0 ? `Rows measured in an earlier run (\`--reference-cases\` re-measured the others): ${kept.map((x) => `${x.id} (${x.measured})`).join(', ')}.\n` : '';
  const ktNative = r.rows[0]?.kt?.native ?? 'n/a';
  const unlike =
    ktNative.startsWith('portable') && /openblas/i.test(r.torchBlas)
      ? `\nNot like for like here: @kt/native was built without a system BLAS (no cblas.h at install: its portable GEMM) while\nPyTorch calls OpenBLAS. Install libopenblas-dev before \`npm ci\` (as .ci/run does) to compare both on OpenBLAS.\n`
      : '';
  return `## kt vs PyTorch (tools/bench/reference), measured ${r.date}

${loaded}${r.cpu}, ${r.cores} cores; ${r.busyAtStart !== undefined ? `CPU busy with other processes in the second before the run: ${(r.busyAtStart * 100).toFixed(0)} %; ` : ''}load average at the start ${r.loadAverageAtStart.join(', ')}, at the end ${r.loadAverage.join(', ')}. kt: wasm + @kt/native
(${r.rows[0]?.kt?.native ?? 'n/a'}), ${r.cores} threads, one process per step (tools/bench/kernels/step-worker.mjs). ${torch}, 1 thread and
${r.cores} threads (torch.set_num_threads and the BLAS pool). Both start from kt's initial weights and batch (exported to a file
the PyTorch script loads). Wall = median ms per step (per decode of the batch); CPU = process CPU time (all threads) per step;
ratios are kt ÷ PyTorch (below 1: kt is faster). Peak RSS is the step process's maximum resident set; "kt tensors" is
\`tf.memory().numTensors\` before and after the timed steps (equal: no leak per step).
${keptNote}${unlike}
${referenceMd}

Initial loss (same weights, same batch, no dropout) kt vs PyTorch: ${loss || 'n/a'}.${greedy?.torch1?.sameTokens !== undefined ? ` Greedy decoding emits the same tokens in ${(100 * greedy.torch1.sameTokens).toFixed(1)}% of positions.` : ''}
Decoding runs exactly 20 steps on both sides (no stop at EOS, so the work is equal whatever a random model emits);
sentences/s = 32 ÷ wall time.
${soakSection()}`;
}

/** Memory growth check (--soak=N), from soak.json. */
function soakSection() {
  if (!fs.existsSync(soakFile)) return '';
  const s = JSON.parse(fs.readFileSync(soakFile, 'utf8'));
  const rows = s.rows.map((x) =>
    x.soak === undefined
      ? `| ${x.case} | error: ${x.error ?? x.problems.join('; ')} | | | |`
      : `| ${x.case} | ${x.soak.steps} (after ${x.soak.warmupSteps} warm-up) | ${x.soak.tensorsStart} → ${x.soak.tensorsMid} → ${x.soak.tensorsEnd} | ${x.soak.rssStartMiB} → ${x.soak.rssMidMiB} → ${x.soak.rssEndMiB} | ${x.problems.length ? x.problems.join('; ') : 'no growth'} |`,
  );
  return `
### Memory over many steps (\`run.mjs --soak=${s.steps}\`, ${s.date})

kt process per step kind; tensor count and RSS at the start (after the warm-up), half-way and at the end. The check fails
(exit 1) when a tensor is left over or RSS grows by more than max(64 MiB, 10 %).

| step | steps | tfjs tensors start → mid → end | RSS MiB start → mid → end | result |
|---|---:|---:|---:|---|
${rows.join('\n')}
`;
}

if (writeDocs) {
  const prof = Object.entries(results.profile)
    .filter(([, p]) => p)
    .map(([name, p]) => {
      const lines = p.kernels.slice(0, 12).map((r) => `| ${r.kernel} | ${r.ms} | ${r.calls} | ${((100 * r.ms) / p.totalKernelMs).toFixed(1)}% |`);
      return `#### ${name}: ${p.totalKernelMs.toFixed(1)} ms of kernel time, ${p.kernelCalls} kernel calls\n\n| kernel | ms | calls | share |\n|---|---:|---:|---:|\n${lines.join('\n')}`;
    })
    .join('\n\n');
  const notesFile = path.join(here, 'notes.md');
  const notes = fs.existsSync(notesFile) ? fs.readFileSync(notesFile, 'utf8') : '';
  const doc = `# Native kernels benchmark (@kt/native)

Generated by \`node tools/bench/kernels/run.mjs\` on ${machine.date}. Median wall time in **ms** per call
(lower is better; \`dataSync\` included, so each number is a complete, synchronous op).

## Machine

- CPU: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; load average (1, 5, 15 min) at the start of the run: ${machine.loadAverageAtStart.join(', ')}, at the end: ${machine.loadAverage.join(', ')}
- Node ${machine.node}, tfjs ${machine.tfjs}; wasm SIMD: ${machine.wasmSimd}, wasm threads: ${machine.wasmThreads}
- @kt/native: blas=${machine.native.blas}, threads=${machine.native.threads}; OpenBLAS: ${machine.openblas}

## Results (ms)

${md}

Training steps, median wall time / process CPU time (all threads) per step, in ms:

${stepTable}

First-step loss (same initial weights and batch everywhere; a check that every configuration computes the same step):

${lossTable}

"not registered": tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel (conv gradients do not run on plain wasm).

${referenceSection()}

## Profile of one training step (tf.profile, summed kernelTimeMs per registered kernel, top 12)

${prof}

${notes}`;
  const docFile = path.join(root, 'docs/results/kernels.md');
  fs.mkdirSync(path.dirname(docFile), { recursive: true });
  fs.writeFileSync(docFile, doc);
  console.log(`wrote ${path.relative(root, docFile)}`);
}
