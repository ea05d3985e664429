// kt's DeepInversion synthesis throughput beside the PyTorch reference (tools/bench/reference/deepinversion_synthesis.py)
// on the same teacher: the shipped configs' ResNet 16-32-64 with BatchNorm (28x28x1, 10 classes), batch 100,
// CE + feature (first layer x5) + TV-L2 + L2, jitter 2, Adam(0.1, 0.5, 0.9) on the pixels, clip to [0, 1].
// The teacher's weights are kt's: a finished kt `train` run's (--teacher RUN_DIR, e.g. a bench teacher under
// runs/*/.cache/teachers/), else kt's seeded initialisation with random running statistics (throughput does not
// depend on the values). They are written, with kt's initial images and kt's loss terms of the first iteration
// (no jitter), to a kt weight file the reference reads; it recomputes those terms and fails on a relative difference
// above 1e-3, then times its synthesis on 1 and 2 threads. Wall and CPU time (process CPU, all threads) on both sides.
// Usage: node tools/bench/deepinversion/throughput.mjs [--iterations 20] [--reference] [--teacher RUN_DIR] [--widths 16,32,64]
//   the reference needs a python3 with torch: $KT_TORCH_PYTHON, else /usr/bin/python3 when it exists, else python3.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as core from '@kt/core';
import * as vision from '@kt/vision';
import * as di from '@kt/deepinversion';
import { root, writeJson, machine, table } from '../lib.mjs';
import { writeWeights, tensorEntries } from '../reference/weights-file.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const iterations = Number(opt('iterations', '20'));
const widths = opt('widths', '16,32,64').split(',').map(Number);
const teacherRun = opt('teacher', undefined);
const load0 = os.loadavg()[0];
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => console.error(l) });

const BATCH = 100;
const SHAPE = [28, 28, 1];
const teacher = vision.createResNet({ inputShape: SHAPE, widths, blocksPerStage: 1, numClasses: 10, seed: 0 });
const rng = core.Rng.fromSeed(0);
if (teacherRun) {
  const trained = core.readRunWeights(path.resolve(teacherRun));
  teacher.setWeights(trained);
  tf.dispose([...trained.values()]);
} else {
  const weights = teacher.getWeights();
  for (const [key, t] of weights) {
    if (key.endsWith('runningMean')) weights.set(key, tf.tensor1d(Array.from({ length: t.size }, () => rng.next() - 0.5)));
    if (key.endsWith('runningVariance')) weights.set(key, tf.tensor1d(Array.from({ length: t.size }, () => 0.5 + rng.next())));
  }
  teacher.setWeights(weights);
}
const settings = di.SynthesisSchema.parse({ batchSize: BATCH, iterations, lr: 0.1, jitter: 2, flip: false, loss: { firstLayerWeight: 5, tvL2: 1e-3, l2: 1e-4 } });
const labels = di.balancedLabels(BATCH, 10);

// kt's first-iteration terms on the initial images, without jitter, for the reference to check against
const init = Float32Array.from({ length: BATCH * SHAPE[0] * SHAPE[1] * SHAPE[2] }, () => 0.5 + 0.2 * rng.normal());
const ktFirstIteration = tf.tidy(() => {
  const parts = di.deepInversionLoss(tf.tensor4d(init, [BATCH, ...SHAPE]), tf.tensor1d(labels, 'int32'), teacher, settings.loss);
  return Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v.dataSync()[0]]));
});

function timeKt() {
  di.synthesizeBatch({ teacher, labels, shape: SHAPE, settings: { ...settings, iterations: 2 }, rng }); // warm-up
  const cpu0 = process.cpuUsage();
  const out = di.synthesizeBatch({ teacher, labels, shape: SHAPE, settings, rng });
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { impl: 'kt', backend: backend.name, native: backend.native?.active ?? false, threads: backend.native?.active ? `wasm 1 + native BLAS ${backend.native.threads ?? '?'}` : 'wasm 1', batch: BATCH, iterations, seconds: out.seconds, cpuSeconds, imageIterationsPerSecond: (BATCH * iterations) / out.seconds, imageIterationsPerCpuSecond: (BATCH * iterations) / cpuSeconds };
}

const result = { teacher: teacherRun ?? `kt initialisation (seed 0), widths ${widths.join('-')}, random running statistics`, ktFirstIteration, kt: timeKt(), machine: machine(), date: new Date().toISOString() };
if (args.includes('--reference')) {
  const python = process.env.KT_TORCH_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-di-throughput-'));
  try {
    const prefix = path.join(dir, 'teacher');
    const named = [...teacher.getWeights()];
    const entries = [...tensorEntries(named), { name: 'images', shape: [BATCH, ...SHAPE], values: init }, { name: 'labels', shape: [BATCH], values: labels }];
    writeWeights(prefix, entries, { settings, loss: settings.loss, bnEpsilon: 1e-5, ktFirstIteration });
    result.pytorch = [1, 2].map((threads) => {
      const ref = spawnSync(python, [path.join(root, 'tools/bench/reference/deepinversion_synthesis.py'), '--weights', prefix, '--iterations', String(iterations), '--threads', String(threads)], { encoding: 'utf8' });
      const line = ref.stdout?.trim().split('\n').pop();
      if (line?.startsWith('{')) return { ...JSON.parse(line), ...(ref.status === 0 ? {} : { error: `exit ${ref.status}: first-iteration terms differ from kt's` }) };
      return { threads, error: (ref.stderr || ref.error?.message || 'failed').trim().split('\n').pop() };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
result.loadAverage = { start: load0, end: os.loadavg()[0] };
const rows = [result.kt, ...(result.pytorch ?? [])].map((r) =>
  r.error && !r.imageIterationsPerSecond
    ? [r.impl ?? 'pytorch', String(r.threads), r.error, '', '', '']
    : [r.impl === 'kt' ? `kt (${r.backend}${r.native ? ' + native' : ''})` : `PyTorch ${r.torch}`, String(r.threads), (r.imageIterationsPerSecond).toFixed(1), r.seconds.toFixed(1), r.cpuSeconds.toFixed(1), r.imageIterationsPerCpuSecond.toFixed(1)],
);
const { text } = table(['implementation', 'threads', 'img·it/s (wall)', 'wall s', 'CPU s', 'img·it per CPU s'], rows);
console.log(text);
for (const r of result.pytorch ?? []) if (r.firstIteration) console.log(`PyTorch ${r.threads} thread(s): first-iteration terms vs kt, max relative difference ${r.firstIteration.maxRelativeDifference.toExponential(2)} (${r.firstIteration.ok ? 'ok' : 'MISMATCH'})`);
console.log(`${BATCH} images × ${iterations} iterations; 1-minute load average ${load0.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end (${machine().cpus} cores, shared)`);
writeJson(path.join(root, 'tools/bench/results/deepinversion-throughput.json'), result);
