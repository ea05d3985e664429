#!/usr/bin/env node
// Per-kernel profile of one fused transformer step on wasm + @kt/native (system BLAS):
// kernel, input shapes, time. For working on the step; the benchmark itself is run.mjs.
//   node tools/bench/kernels/profile-step.mjs [--step=transformer|mt] [--variant=plain|fused] [--blas=system|portable] [--top=40]
// (--step=mt: the MT learner's KD step of mt-kd-step.mjs; needs packages/mt built.)
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { TRANSFORMER, transformerTrainer } from './transformer.mjs';
import { MT_KD, mtKdTrainer } from './mt-kd-step.mjs';
import { nativeModule } from './native-module.mjs';

const native = nativeModule();
const arg = (name, dflt) => (process.argv.find((a) => a.startsWith(`--${name}=`)) ?? `=${dflt}`).split('=')[1];
const variant = arg('variant', 'fused');
const top = Number(arg('top', '40'));

await tf.setBackend('wasm');
native.registerNativeKernels({ blas: arg('blas', 'system') });
const mt = arg('step', 'transformer') === 'mt';
const trainer = mt ? mtKdTrainer(MT_KD) : transformerTrainer(TRANSFORMER, variant);
const reps = mt ? 3 : 15;
for (let i = 0; i < (mt ? 1 : 3); i++) trainer.step();
const walls = [];
for (let i = 0; i < reps; i++) {
  const t0 = performance.now();
  trainer.step();
  walls.push(performance.now() - t0);
}
walls.sort((a, b) => a - b);
const info = await tf.profile(() => trainer.step());
const isKernel = (name) => tf.getKernel(name, 'wasm') !== undefined;
const byKey = new Map();
let total = 0;
let calls = 0;
for (const k of info.kernels) {
  if (!isKernel(k.name)) continue;
  const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}`;
  const e = byKey.get(key) ?? { key, ms: 0, calls: 0 };
  e.ms += t;
  e.calls += 1;
  byKey.set(key, e);
  total += t;
  calls += 1;
}
const byName = new Map();
for (const e of byKey.values()) {
  const n = e.key.split(' ')[0];
  const r = byName.get(n) ?? { ms: 0, calls: 0 };
  r.ms += e.ms;
  r.calls += e.calls;
  byName.set(n, r);
}
console.log(`${mt ? 'MT KD step' : `variant ${variant}`}: wall median ${walls[reps >> 1].toFixed(1)} ms (min ${walls[0].toFixed(1)}); kernel time ${total.toFixed(1)} ms in ${calls} calls`);
for (const [n, r] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) console.log(`  ${n.padEnd(24)} ${r.ms.toFixed(2).padStart(7)} ms ${String(r.calls).padStart(4)} calls`);
console.log('by shape:');
for (const e of [...byKey.values()].sort((a, b) => b.ms - a.ms).slice(0, top)) console.log(`  ${e.ms.toFixed(2).padStart(7)} ms ${String(e.calls).padStart(4)}x ${e.key}`);
trainer.dispose();
