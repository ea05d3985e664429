#!/usr/bin/env node
// Per-kernel profile of one fused transformer step on wasm + @kt/native (system BLAS):
// kernel, input shapes, time. For working on the step; the benchmark itself is run.mjs.
//   node tools/bench/kernels/profile-step.mjs [--step=transformer|mt|classify|deepinversion] [--variant=plain|fused] [--blas=system|portable] [--top=40]
// (--step=mt: the MT learner's KD step of mt-kd-step.mjs; needs packages/mt built. --step=classify: classify's KD
// step of classify-kd-step.mjs (ResNet teacher -> CNN learner, 28x28x1, batch 64); --step=deepinversion: one
// DeepInversion synthesis iteration of @kt/deepinversion's synthesizeBatch on tools/bench/deepinversion's shape
// (ResNet 16-32-64 teacher, batch 100, CE + BN feature + TV-L2 + L2, jitter 2). Both need vision (and
// deepinversion) built.)
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { TRANSFORMER, transformerTrainer } from './transformer.mjs';
import { MT_KD, mtKdTrainer } from './mt-kd-step.mjs';
import { CLASSIFY_KD, classifyKdTrainer } from './classify-kd-step.mjs';
import { nativeModule } from './native-module.mjs';
import { initBackend, Rng } from '@kt/core';
import { createResNet } from '@kt/vision';
import { balancedLabels, SynthesisSchema, synthesizeBatch } from '@kt/deepinversion';

/** One DeepInversion synthesis iteration per step(): synthesizeBatch with iterations 1 (the plugin's own loop and loss). */
function deepInversionStep() {
  const teacher = createResNet({ inputShape: [28, 28, 1], widths: [16, 32, 64], blocksPerStage: 1, numClasses: 10, seed: 0 });
  const rng = Rng.fromSeed(0);
  const weights = teacher.getWeights();
  for (const [key, t] of weights) {
    const stat = key.endsWith('runningMean') ? () => rng.next() - 0.5 : key.endsWith('runningVariance') ? () => 0.5 + rng.next() : undefined;
    if (stat) {
      t.dispose();
      weights.set(key, tf.tensor1d(Array.from({ length: t.size }, stat)));
    }
  }
  teacher.setWeights(weights);
  tf.dispose([...weights.values()]);
  const settings = SynthesisSchema.parse({ batchSize: 100, iterations: 1, warmupIterations: 0, lr: 0.1, jitter: 2, flip: false, loss: { firstLayerWeight: 5, tvL2: 1e-3, l2: 1e-4 } });
  const labels = balancedLabels(100, 10);
  return {
    step: () => synthesizeBatch({ teacher, labels, shape: [28, 28, 1], settings, rng }).terms.total,
    dispose: () => teacher.dispose(),
  };
}

const native = nativeModule();
const arg = (name, dflt) => (process.argv.find((a) => a.startsWith(`--${name}=`)) ?? `=${dflt}`).split('=')[1];
const variant = arg('variant', 'fused');
const top = Number(arg('top', '40'));

// As `kt run` sets up wasm (kt's training kernels, e.g. UnsortedSegmentSum for a gather's gradient), then @kt/native.
await initBackend({ requested: 'wasm', native: false, log: () => undefined });
native.registerNativeKernels({ blas: arg('blas', 'system') });
const which = arg('step', 'transformer');
const STEPS = {
  transformer: { make: () => transformerTrainer(TRANSFORMER, variant), title: `variant ${variant}`, reps: 15, warmup: 3 },
  mt: { make: () => mtKdTrainer(MT_KD), title: 'MT KD step', reps: 3, warmup: 1 },
  classify: { make: () => classifyKdTrainer(CLASSIFY_KD), title: 'classify KD step', reps: 5, warmup: 2 },
  deepinversion: { make: deepInversionStep, title: 'DeepInversion synthesis iteration (batch 100)', reps: 5, warmup: 2 },
};
const chosen = STEPS[which];
if (chosen === undefined) {
  console.error(`--step must be one of ${Object.keys(STEPS).join(', ')}, got '${which}'`);
  process.exit(2);
}
const trainer = chosen.make();
const reps = chosen.reps;
console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (let i = 0; i < chosen.warmup; i++) trainer.step();
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
console.log(`${chosen.title}: wall median ${walls[reps >> 1].toFixed(1)} ms (min ${walls[0].toFixed(1)}); kernel time ${total.toFixed(1)} ms in ${calls} calls`);
for (const [n, r] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) console.log(`  ${n.padEnd(24)} ${r.ms.toFixed(2).padStart(7)} ms ${String(r.calls).padStart(4)} calls`);
console.log('by shape:');
for (const e of [...byKey.values()].sort((a, b) => b.ms - a.ms).slice(0, top)) console.log(`  ${e.ms.toFixed(2).padStart(7)} ms ${String(e.calls).padStart(4)}x ${e.key}`);
trainer.dispose();
console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (timings under this load are provisional)`);
