#!/usr/bin/env node
// Per-kernel profile of kg's hot paths on the configured backend (wasm + kt's native kernels by default):
// one 1-N filtered evaluation batch of WN18RR (128 queries x 40,943 entities, TransE L2 d128) and one
// RotatE training step (batch 512, 128 negatives, self-adversarial, k64). Kernel, input shapes, time.
//   node tools/bench/kg/profile.mjs [--part eval|rotate|all] [--top 25] [--data DIR]
import * as path from 'node:path';
import * as os from 'node:os';
import { createRequire } from 'node:module';
import { root, flags } from '../lib.mjs';

const require = createRequire(import.meta.url);

const opts = flags({ part: 'all', top: '25', data: path.resolve(root, '..', 'shared', 'data'), kind: 'transe', dim: '' });
const core = require('@kt/core');
const kg = require('@kt/kg');
const tf = require('@tensorflow/tfjs');
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => console.log(l) });
console.log(`load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const dataDir = path.resolve(process.env.KT_SHARED_DATA ?? opts.data);
const graph = kg.loadGraph({ source: 'dict', dir: path.join(dataDir, 'wn18rr') }, 'keep');
const known = new kg.KnownAnswers(graph.train, graph.valid, graph.test);

async function profile(label, fn, reps = 3) {
  await fn();
  const walls = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    walls.push(performance.now() - t0);
  }
  walls.sort((a, b) => a - b);
  const info = await tf.profile(async () => void (await fn()));
  const byName = new Map();
  const byKey = new Map();
  let total = 0;
  for (const k of info.kernels) {
    const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}`;
    for (const [m, kk] of [[byName, k.name], [byKey, key]]) {
      const e = m.get(kk) ?? { ms: 0, calls: 0 };
      e.ms += t;
      e.calls += 1;
      m.set(kk, e);
    }
    total += t;
  }
  console.log(`\n${label} (${backend.name}): wall median ${walls[reps >> 1].toFixed(1)} ms; kernel time ${total.toFixed(1)} ms in ${info.kernels.length} calls`);
  for (const [n, r] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) console.log(`  ${n.padEnd(26)} ${r.ms.toFixed(2).padStart(8)} ms ${String(r.calls).padStart(4)} calls`);
  console.log(' by shape:');
  for (const [k, e] of [...byKey.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(opts.top))) console.log(`  ${e.ms.toFixed(2).padStart(8)} ms ${String(e.calls).padStart(4)}x ${k}`);
}

if (opts.part === 'all' || opts.part === 'eval') {
  const kind = opts.kind;
  const dim = Number(opts.dim || (kind === 'transe' ? 128 : 64));
  const spec = kg.ModelSpecSchema.parse(kind === 'transe' ? { kind, dim, norm: 2, gamma: 6 } : { kind, dim, gamma: 6 });
  const model = new kg.KgModel(spec, graph.entities.length, graph.relations.length, 0);
  const test = kg.selectTriples(graph.test, Array.from({ length: 128 }, (_, i) => i));
  await profile(`filtered evaluation, 128 test triples x 2 directions, ${kind} d${dim}`, () => kg.rankFiltered((d, a, r) => model.scoreAll(d, a, r), test, graph.entities.length, known, { batchSize: 128 }));
  model.dispose();
}
if (opts.part === 'all' || opts.part === 'rotate') {
  const spec = kg.ModelSpecSchema.parse({ kind: 'rotate', dim: 64, gamma: 6 });
  const cfg = kg.KgConfigSchema.parse({ plugin: 'kg', task: 'train', model: spec, loss: { kind: 'self-adversarial', temperature: 0.5 } });
  const model = new kg.KgModel(spec, graph.entities.length, graph.relations.length, 0);
  const sampler = new kg.NegativeSampler(graph.train, graph.entities.length, graph.relations.length, { kind: 'uniform', count: 128, filtered: false });
  const opt = tf.train.adam(0.005);
  const rng = core.Rng.fromSeed(0);
  const batch = kg.selectTriples(graph.train, Array.from({ length: 512 }, () => rng.int(graph.train.h.length)));
  let i = 0;
  await profile('RotatE k64 training step, batch 512, 128 negatives', () => tf.tidy(() => { opt.minimize(() => kg.batchLoss(model, batch, cfg, sampler, core.Rng.fromSeed(i++), { start: 0, size: graph.entities.length }), false, model.trainableVariables()); }));
  opt.dispose();
  model.dispose();
}
console.log(`\nload average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
