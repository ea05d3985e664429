#!/usr/bin/env node
// Benchmark: incremental (cached) vs full-prefix-recompute greedy decoding of the @kt/mt Transformer.
//
// Runs on the BUILT @kt/mt (imported through its public entry point):
//   npx nx run @kt/mt:build
//   node tools/bench/mt-decode/run.mjs [--backends cpu,wasm] [--batch 32] [--steps 20] [--src-len 20]
//        [--vocab 8000] [--d 256] [--heads 4] [--ff 1024] [--layers 3] [--reps 2]
//
// Both paths run exactly `--steps` greedy steps (no early stop at EOS, so the work is identical; a random model
// may emit EOS anywhere). "incremental" = encode + initDecoderCache (cross-attention K/V once) + decodeStep per
// token (self-attention K/V cached). "full" = encode + decodePrefix per token (recomputes the whole prefix and the
// cross-attention K/V each step). Both emit identical tokens (checked). Times are the median of --reps runs after
// one warm-up run. Prints a table and writes tools/bench/results/mt-decode.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@kt/core';
import * as models from '@kt/mt';
import { arg } from '../lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');

const opts = {
  backends: arg('backends', 'cpu,wasm').split(','),
  batch: Number(arg('batch', 32)),
  steps: Number(arg('steps', 20)),
  srcLen: Number(arg('src-len', 20)),
  vocab: Number(arg('vocab', 8000)),
  d: Number(arg('d', 256)),
  heads: Number(arg('heads', 4)),
  ff: Number(arg('ff', 1024)),
  layers: Number(arg('layers', 3)),
  reps: Number(arg('reps', 2)),
};


function argmaxRows(logits) {
  return tf.tidy(() => tf.argMax(logits, 1).dataSync());
}

function decodeIncremental(model, src, steps) {
  const { bosId } = model.config;
  const n = src.shape[0];
  const enc = model.encode(src);
  let cache = model.initDecoderCache(enc);
  let feed = new Int32Array(n).fill(bosId);
  const out = [];
  for (let s = 0; s < steps; s++) {
    const input = tf.tensor1d(feed, 'int32');
    const r = model.decodeStep(cache, input);
    input.dispose();
    cache = r.cache;
    feed = Int32Array.from(argmaxRows(r.logits));
    r.logits.dispose();
    out.push(Array.from(feed));
  }
  models.disposeDecoderCache(cache);
  models.disposeEncoderState(enc);
  return out;
}

function decodeFull(model, src, steps) {
  const { bosId } = model.config;
  const n = src.shape[0];
  const enc = model.encode(src);
  const prefix = Array.from({ length: n }, () => [bosId]);
  const out = [];
  for (let s = 0; s < steps; s++) {
    const input = tf.tensor2d(prefix.flat(), [n, s + 1], 'int32');
    const logits = model.decodePrefix(enc, input);
    input.dispose();
    const next = argmaxRows(logits);
    logits.dispose();
    prefix.forEach((p, i) => p.push(next[i]));
    out.push(Array.from(next));
  }
  models.disposeEncoderState(enc);
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn) {
  const t0 = performance.now();
  const r = fn();
  return { ms: performance.now() - t0, r };
}

const config = {
  vocabSize: opts.vocab,
  dModel: opts.d,
  heads: opts.heads,
  ffDim: opts.ff,
  encoderLayers: opts.layers,
  decoderLayers: opts.layers,
  dropout: 0,
  maxLen: Math.max(64, opts.steps + 1, opts.srcLen),
  activation: 'relu',
};
const random = Rng.fromSeed(7);
const rng = () => random.next();
const srcRows = Array.from({ length: opts.batch }, () =>
  Array.from({ length: opts.srcLen }, () => 3 + Math.floor(rng() * (opts.vocab - 3))),
);

const results = [];
for (const backend of opts.backends) {
  if (!(await tf.setBackend(backend))) {
    console.warn(`backend ${backend} unavailable, skipped`);
    continue;
  }
  await tf.ready();
  const model = new models.Transformer(config, 1);
  const src = tf.tensor2d(srcRows, undefined, 'int32');
  // warm-up (also checks the two paths agree)
  const a = decodeIncremental(model, src, Math.min(3, opts.steps));
  const b = decodeFull(model, src, Math.min(3, opts.steps));
  const tensorsBefore = tf.memory().numTensors;
  const inc = [];
  const full = [];
  let same = JSON.stringify(a) === JSON.stringify(b);
  for (let r = 0; r < opts.reps; r++) {
    const x = time(() => decodeIncremental(model, src, opts.steps));
    const y = time(() => decodeFull(model, src, opts.steps));
    inc.push(x.ms);
    full.push(y.ms);
    same = same && JSON.stringify(x.r) === JSON.stringify(y.r);
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  const row = {
    backend,
    incrementalMs: Math.round(median(inc)),
    fullRecomputeMs: Math.round(median(full)),
    speedup: Number((median(full) / median(inc)).toFixed(2)),
    incrementalMsPerToken: Number((median(inc) / opts.steps).toFixed(1)),
    sameTokens: same,
    leakedTensors: leaked,
  };
  results.push(row);
  console.log(`${backend}: incremental ${row.incrementalMs} ms, full ${row.fullRecomputeMs} ms, x${row.speedup}`);
  src.dispose();
  model.dispose();
}

const params = (() => {
  const m = new models.Transformer(config, 1);
  const n = m.parameterCount();
  m.dispose();
  return n;
})();
console.log(
  `\nGreedy decoding, batch ${opts.batch}, ${opts.steps} output tokens, source length ${opts.srcLen}; ` +
    `model V=${opts.vocab} D=${opts.d} H=${opts.heads} FF=${opts.ff} L=${opts.layers}+${opts.layers} (${(params / 1e6).toFixed(2)} M params)`,
);
console.log('| backend | incremental (ms) | full recompute (ms) | speed-up | ms/token (incr.) | same tokens |');
console.log('|---|---:|---:|---:|---:|---|');
for (const r of results) {
  console.log(
    `| ${r.backend} | ${r.incrementalMs} | ${r.fullRecomputeMs} | ${r.speedup}x | ${r.incrementalMsPerToken} | ${r.sameTokens} |`,
  );
}
const outFile = resolve(root, 'tools/bench/results/mt-decode.json');
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  JSON.stringify(
    {
      benchmark: 'mt-decode',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, tfjs: tf.version.tfjs },
      options: opts,
      config,
      parameters: params,
      results,
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nwrote ${outFile}`);
