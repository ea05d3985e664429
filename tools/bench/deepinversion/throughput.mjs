// kt's DeepInversion synthesis throughput on the shape and loss of tools/bench/reference/deepinversion_synthesis.py
// (ResNet 16-32-64 with BatchNorm, 28x28x1, 10 classes, batch 100, CE + feature (first layer ×5) + TV-L2 + L2,
// jitter 2, Adam(0.5, 0.9) on the pixels). Random weights and running statistics: throughput does not depend on them.
// Prints JSON beside the reference's when `--reference` is given and python3 has torch.
// Usage: node tools/bench/deepinversion/throughput.mjs [--iterations 50] [--reference]
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import * as core from '@kt/core';
import * as vision from '@kt/vision';
import * as di from '@kt/deepinversion';
import { root, writeJson, machine } from '../lib.mjs';

const args = process.argv.slice(2);
const iterations = Number(args.includes('--iterations') ? args[args.indexOf('--iterations') + 1] : '50');
const WIDTHS = (args.includes('--widths') ? args[args.indexOf('--widths') + 1] : '16,32,64').split(',').map(Number);
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => console.error(l) });

const teacher = vision.createResNet({ inputShape: [28, 28, 1], widths: WIDTHS, blocksPerStage: 1, numClasses: 10, seed: 0 });
const rng = core.Rng.fromSeed(0);
const weights = teacher.getWeights();
for (const [key, t] of weights) {
  if (key.endsWith('runningMean')) weights.set(key, tf.tensor1d(Array.from({ length: t.size }, () => rng.next() - 0.5)));
  if (key.endsWith('runningVariance')) weights.set(key, tf.tensor1d(Array.from({ length: t.size }, () => 0.5 + rng.next())));
}
teacher.setWeights(weights);
const settings = di.SynthesisSchema.parse({ batchSize: 100, iterations: 3, lr: 0.1, jitter: 2, flip: false, loss: { firstLayerWeight: 5, tvL2: 1e-3, l2: 1e-4 } });
const labels = di.balancedLabels(100, 10);
di.synthesizeBatch({ teacher, labels, shape: [28, 28, 1], settings, rng }); // warm-up
const out = di.synthesizeBatch({ teacher, labels, shape: [28, 28, 1], settings: { ...settings, iterations }, rng });
const kt = { impl: 'kt', backend: backend.name, native: backend.native?.active ?? false, batch: 100, iterations, seconds: out.seconds, imageIterationsPerSecond: (100 * iterations) / out.seconds };
const result = { kt, machine: machine(), loadAverage: os.loadavg(), date: new Date().toISOString() };
if (args.includes('--reference')) {
  const ref = spawnSync('python3', [path.join(root, 'tools/bench/reference/deepinversion_synthesis.py'), '--iterations', String(iterations), '--threads', String(machine().cpus)], { encoding: 'utf8' });
  result.pytorch = ref.status === 0 ? JSON.parse(ref.stdout.trim().split('\n').pop()) : { error: (ref.stderr || ref.error?.message || 'failed').trim().split('\n').pop() };
  if (result.pytorch.imageIterationsPerSecond) result.ratio = kt.imageIterationsPerSecond / result.pytorch.imageIterationsPerSecond;
}
console.log(JSON.stringify(result, null, 2));
writeJson(path.join(root, 'tools/bench/results/deepinversion-throughput.json'), result);
