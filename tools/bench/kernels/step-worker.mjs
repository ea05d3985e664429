#!/usr/bin/env node
// One kt step measured in a process of its own (so peak RSS is the step's, not the whole benchmark's), the way
// the PyTorch references in ../reference measure theirs: one warm-up, then timed repetitions until min/max reps
// and a budget; prints one JSON line (median wall ms, CPU ms per rep from process.cpuUsage, peak RSS, tfjs tensor
// count before and after the timed reps, initial loss). The backend is set up by @kt/core's initBackend, as
// `kt run` does it (wasm + kt's training kernels + @kt/native when it loads).
//
//   node tools/bench/kernels/step-worker.mjs --case transformer|mt-kd|classify|finetune-l2-sp|finetune-bss|finetune-delta|
//        recognition|greedy|beam|sample [--backend native|wasm|cpu]
//        [--tiny]            the finetune / recognition step on tiny shapes (tests)
//        [--export PREFIX]   write the initial weights and batch (reference/weights-file.mjs) for the PyTorch script
//        [--min-steps 5] [--max-steps 25] [--budget-ms 2500] [--beam 4] [--steps 20]
//        [--soak 1000]       no timing: N steps after a warm-up; tensor count and RSS at start and end; exit 1 on growth
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend, Rng } from '@kt/core';
import { Transformer, reorderDecoderCache, disposeDecoderCache, disposeEncoderState, sampleDecode, tileEncoderState } from '@kt/mt';
import { TRANSFORMER, transformerTrainer } from './transformer.mjs';
import { MT_KD, mtKdTrainer } from './mt-kd-step.mjs';
import { CLASSIFY_KD, classifyKdTrainer } from './classify-kd-step.mjs';
import { FINETUNE_REGULARISERS, FINETUNE_STEP, FINETUNE_STEP_TINY, finetuneTrainer } from './finetune-step.mjs';
import { RECOGNITION_STEP, RECOGNITION_STEP_TINY, recognitionTrainer } from './recognition-step.mjs';
import { writeWeights, tensorEntries } from '../reference/weights-file.mjs';
import { soakProblems } from '../reference/compare.mjs';
import { arg } from '../lib.mjs';

const FINETUNE_CASES = FINETUNE_REGULARISERS.map((r) => `finetune-${r}`);
const CASES = ['transformer', 'mt-kd', 'mt-kd-jsd', 'classify', ...FINETUNE_CASES, 'recognition', 'greedy', 'beam', 'sample'];
/** --tiny: the finetune and recognition steps on tiny shapes (tests: the same code paths in a second). */
const TINY_CASES = [...FINETUNE_CASES, 'recognition'];
const which = arg('case', 'transformer');
if (!CASES.includes(which)) {
  console.error(`step-worker: --case must be one of ${CASES.join(', ')}, got '${which}'`);
  process.exit(2);
}
const tiny = process.argv.includes('--tiny');
if (tiny && !TINY_CASES.includes(which)) {
  console.error(`step-worker: --tiny is for ${TINY_CASES.join(', ')}, not '${which}'`);
  process.exit(2);
}
const backendArg = arg('backend', 'native');
const opts = {
  minReps: Number(arg('min-steps', 5)),
  maxReps: Number(arg('max-steps', 25)),
  budgetMs: Number(arg('budget-ms', 2500)),
  beam: Number(arg('beam', 4)),
  steps: Number(arg('steps', 20)),
  soak: Number(arg('soak', 0)),
  exportPrefix: arg('export', undefined),
};

/** Shapes of tools/bench/mt-decode (and reference/mt_decode.py). */
export const DECODE = { vocabSize: 8000, dModel: 256, heads: 4, ffDim: 1024, encoderLayers: 3, decoderLayers: 3, maxLen: 64, dropout: 0, activation: 'relu', batch: 32, srcLen: 20 };

/** Fixed-step greedy decoding with the KV cache (no stop at EOS: the same work as the PyTorch reference). */
function greedy(model, src, steps) {
  const n = src.shape[0];
  const enc = model.encode(src);
  let cache = model.initDecoderCache(enc);
  disposeEncoderState(enc);
  let feed = new Int32Array(n).fill(model.config.bosId);
  const out = Array.from({ length: n }, () => []);
  for (let s = 0; s < steps; s++) {
    const input = tf.tensor1d(feed, 'int32');
    const r = model.decodeStep(cache, input);
    input.dispose();
    cache = r.cache;
    feed = Int32Array.from(tf.tidy(() => tf.argMax(r.logits, 1).dataSync()));
    r.logits.dispose();
    feed.forEach((t, i) => out[i].push(t));
  }
  disposeDecoderCache(cache);
  return out;
}

/** Fixed-step beam search (k beams, top-k over [B, k·V], cache rows reordered by parent), as reference/mt_decode.py. */
function beamSearch(model, src, steps, k) {
  const b = src.shape[0];
  const n = b * k;
  const vocab = model.config.vocabSize;
  const enc = model.encode(src);
  const tiled = tileEncoderState(enc, k);
  disposeEncoderState(enc);
  let cache = model.initDecoderCache(tiled);
  disposeEncoderState(tiled);
  let scores = new Float32Array(n).fill(-Infinity);
  for (let s = 0; s < b; s++) scores[s * k] = 0;
  let feed = new Int32Array(n).fill(model.config.bosId);
  let tokens = Array.from({ length: n }, () => []);
  for (let step = 0; step < steps; step++) {
    const input = tf.tensor1d(feed, 'int32');
    const r = model.decodeStep(cache, input);
    input.dispose();
    cache = r.cache;
    const [values, indices] = tf.tidy(() => {
      const total = tf.reshape(tf.add(tf.logSoftmax(r.logits), tf.tensor2d(scores, [n, 1])), [b, k * vocab]);
      const top = tf.topk(total, k, true);
      return [top.values.dataSync(), top.indices.dataSync()];
    });
    r.logits.dispose();
    const parents = new Int32Array(n);
    feed = new Int32Array(n);
    for (let row = 0; row < n; row++) {
      const s = Math.floor(row / k);
      parents[row] = s * k + Math.floor(indices[row] / vocab);
      feed[row] = indices[row] % vocab;
    }
    tokens = Array.from(parents, (p, row) => [...tokens[p], feed[row]]);
    scores = Float32Array.from(values);
    cache = reorderDecoderCache(cache, parents);
  }
  disposeDecoderCache(cache);
  return tokens.filter((_, row) => row % k === 0);
}

function decodeBench(mode) {
  const { batch, srcLen, ...config } = DECODE;
  const model = new Transformer(config, 1);
  const random = Rng.fromSeed(7);
  const rows = Array.from({ length: batch }, () => Array.from({ length: srcLen }, () => 3 + Math.floor(random.next() * (config.vocabSize - 3))));
  const src = tf.tensor2d(rows, [batch, srcLen], 'int32');
  // sample: on-policy KD's decoding — kt's own sampleDecode (temperature 1, full vocabulary), as the mt tasks call it;
  // it stops a row at EOS, which a random model over 8,000 tokens almost never draws, so the work is the reference's.
  const rng = Rng.fromSeed(13);
  const sample = () => {
    const r = sampleDecode(model, src, { maxLen: opts.steps, rng: () => rng.next() });
    r.sequences.dispose();
    return r.tokens;
  };
  const run = () => (mode === 'greedy' ? greedy(model, src, opts.steps) : mode === 'sample' ? sample() : beamSearch(model, src, opts.steps, opts.beam));
  return {
    sentences: batch,
    step: () => {
      run();
      return undefined;
    },
    namedTensors: () => {
      const names = model.weightNames();
      const named = model.trainableVariables().map((v, i) => [`model.${names[i]}`, v]);
      named.push(['src', src]);
      if (mode === 'greedy') named.push(['greedyTokens', tf.tensor2d(greedy(model, src, opts.steps), undefined, 'int32')]);
      return named;
    },
    meta: { config: { ...DECODE } },
    dispose: () => {
      model.dispose();
      src.dispose();
    },
  };
}

function makeBench() {
  if (which === 'transformer') return { ...transformerTrainer(TRANSFORMER, 'fused'), meta: { config: TRANSFORMER } };
  if (which === 'mt-kd') return { ...mtKdTrainer(MT_KD), meta: { config: MT_KD } };
  if (which === 'mt-kd-jsd') return { ...mtKdTrainer(MT_KD, 'jsd'), meta: { config: MT_KD, divergence: 'jsd', beta: 0.5 } };
  if (which === 'classify') return { ...classifyKdTrainer(CLASSIFY_KD), meta: { config: CLASSIFY_KD } };
  if (FINETUNE_CASES.includes(which)) return finetuneTrainer(tiny ? FINETUNE_STEP_TINY : FINETUNE_STEP, which.slice('finetune-'.length));
  if (which === 'recognition') return recognitionTrainer(tiny ? RECOGNITION_STEP_TINY : RECOGNITION_STEP);
  return decodeBench(which);
}

const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

const backend = await initBackend({ requested: backendArg === 'cpu' ? 'cpu' : 'wasm', native: backendArg === 'native', log: () => undefined });
const bench = makeBench();
const record = { case: which, impl: 'kt', backend: backend.name, native: backend.native.active ? `${backend.native.blas}, ${backend.native.threads} threads` : `off (${backend.native.reason ?? 'disabled'})` };

if (opts.exportPrefix !== undefined) {
  const named = bench.namedTensors();
  writeWeights(opts.exportPrefix, tensorEntries(named), bench.meta);
  // Tensors made only for the file (greedyTokens) are not the bench's: free them.
  for (const [name, t] of named) if (name === 'greedyTokens') t.dispose();
}
if (typeof bench.evalLoss === 'function') record.initialLoss = bench.evalLoss();

if (opts.soak > 0) {
  const warm = Math.min(50, Math.ceil(opts.soak / 10));
  for (let i = 0; i < warm; i++) bench.step();
  const soak = { steps: opts.soak, warmupSteps: warm, tensorsStart: tf.memory().numTensors, rssStartMiB: rssMiB() };
  const walls = [];
  const mid = Math.floor(opts.soak / 2);
  for (let i = 0; i < opts.soak; i++) {
    const t0 = performance.now();
    bench.step();
    walls.push(performance.now() - t0);
    if (i === mid) Object.assign(soak, { tensorsMid: tf.memory().numTensors, rssMidMiB: +rssMiB().toFixed(1) });
  }
  Object.assign(soak, { tensorsEnd: tf.memory().numTensors, rssEndMiB: rssMiB() });
  soak.rssStartMiB = +soak.rssStartMiB.toFixed(1);
  soak.rssEndMiB = +soak.rssEndMiB.toFixed(1);
  walls.sort((a, b) => a - b);
  const problems = soakProblems(soak);
  Object.assign(record, { soak, wallMs: +walls[walls.length >> 1].toFixed(2), peakRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(1), problems });
  console.log(JSON.stringify(record));
  if (problems.length > 0) {
    console.error(`\nSOAK FAILED (${which}, ${opts.soak} steps): ${problems.join('; ')}\n`);
    process.exit(1);
  }
  console.error(`soak ${which}: ${opts.soak} steps, tensors ${soak.tensorsStart} → ${soak.tensorsEnd}, RSS ${soak.rssStartMiB} → ${soak.rssEndMiB} MiB: no growth`);
  process.exit(0);
}

let last = bench.step(); // warm-up (optimizer state, kernels, heap growth)
if (record.initialLoss === undefined && typeof last === 'number') record.initialLoss = last;
const tensorsBefore = tf.memory().numTensors;
const times = [];
const cpu0 = process.cpuUsage();
const start = performance.now();
while (times.length < opts.minReps || (times.length < opts.maxReps && performance.now() - start < opts.budgetMs)) {
  const t0 = performance.now();
  last = bench.step();
  times.push(performance.now() - t0);
}
const cpu = process.cpuUsage(cpu0);
times.sort((a, b) => a - b);
Object.assign(record, {
  wallMs: +times[times.length >> 1].toFixed(2),
  wallMsMin: +times[0].toFixed(2),
  cpuMs: +((cpu.user + cpu.system) / 1e3 / times.length).toFixed(2),
  reps: times.length,
  peakRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
  tensorsBefore,
  tensorsAfter: tf.memory().numTensors,
});
if (typeof last === 'number') record.lastLoss = last;
if (bench.sentences !== undefined) Object.assign(record, { sentencesPerSecond: +(bench.sentences / (record.wallMs / 1e3)).toFixed(2), beam: which === 'beam' ? opts.beam : 1, tokens: opts.steps });
bench.dispose();
console.log(JSON.stringify(record));
