// Micro-benchmark: kt's wasm training kernels (packages/core/src/runtime/backend) vs the cpu
// backend, for the shapes training hits, plus wasm + @kt/native when that addon is available.
//
// Usage (needs @kt/core built; no TS runner is involved):
//   npx nx run @kt/core:build && node tools/bench/wasm-kernels.mjs [--reps 5] [--full]
// --full also times the cpu baseline of the 8000-row segment sum (several minutes).
// Prints a table and writes tools/bench/results/wasm-kernels.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@kt/core';
import { nativeModule } from './kernels/native-module.mjs';

const here = dirname(fileURLToPath(import.meta.url));

const repsArg = process.argv.indexOf('--reps');
const REPS = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 5;
const FULL = process.argv.includes('--full');

/** Deterministic inputs, created on the current backend. */
function randn(shape, seed) {
  let a = seed >>> 0;
  const size = shape.reduce((x, y) => x * y, 1);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (Math.imul(a ^ (a >>> 15), 2246822507) + 0x6d2b79f5) >>> 0;
    v[i] = (a / 4294967296) * 2 - 1;
  }
  return tf.tensor(v, shape);
}
function ids(n, below, seed) {
  const v = new Int32Array(n);
  let a = seed;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    v[i] = a % below;
  }
  return tf.tensor1d(v, 'int32');
}

const cases = [
  {
    name: 'Conv2DBackpropFilter x[8,32,32,16] dy[8,32,32,32] 3x3 same',
    slowOnCpu: true,
    make: () => ({ x: randn([8, 32, 32, 16], 1), dy: randn([8, 32, 32, 32], 2) }),
    run: (t) => tf.engine().runKernel('Conv2DBackpropFilter', { x: t.x, dy: t.dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 16, 32] }),
  },
  {
    name: 'Conv2DBackpropFilter x[8,32,32,16] dy[8,16,16,32] 3x3 stride 2 same',
    slowOnCpu: true,
    make: () => ({ x: randn([8, 32, 32, 16], 3), dy: randn([8, 16, 16, 32], 4) }),
    run: (t) => tf.engine().runKernel('Conv2DBackpropFilter', { x: t.x, dy: t.dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 16, 32] }),
  },
  {
    name: 'Conv2DBackpropInput dy[8,32,32,32] w[3,3,16,32] same',
    make: () => ({ dy: randn([8, 32, 32, 32], 5), w: randn([3, 3, 16, 32], 6) }),
    run: (t) => tf.engine().runKernel('Conv2DBackpropInput', { dy: t.dy, filter: t.w }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [8, 32, 32, 16] }),
  },
  {
    name: 'DepthwiseBackpropFilter x[8,32,32,16] 3x3 m=1 same',
    slowOnCpu: true,
    make: () => ({ x: randn([8, 32, 32, 16], 7), dy: randn([8, 32, 32, 16], 8) }),
    run: (t) => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: t.x, dy: t.dy }, { strides: 1, dilations: 1, pad: 'same', filterShape: [3, 3, 16, 1] }),
  },
  {
    name: 'DepthwiseBackpropInput dy[8,32,32,16] 3x3 m=1 same',
    make: () => ({ dy: randn([8, 32, 32, 16], 9), w: randn([3, 3, 16, 1], 10) }),
    run: (t) => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: t.dy, filter: t.w }, { strides: 1, dilations: 1, pad: 'same', inputShape: [8, 32, 32, 16] }),
  },
  {
    name: 'UnsortedSegmentSum 512 ids into 512x128 (embedding grad)',
    slowOnCpu: true,
    make: () => ({ x: randn([512, 128], 11), ids: ids(512, 512, 12) }),
    run: (t) => tf.engine().runKernel('UnsortedSegmentSum', { x: t.x, segmentIds: t.ids }, { numSegments: 512 }),
  },
  {
    name: 'UnsortedSegmentSum 8*64 ids into 8000x256 (embedding grad)',
    slowOnCpu: true,
    // The cpu kernel loops over all 8000 segments (minutes, GBs of garbage): only with --full.
    cpuOnlyWithFull: true,
    make: () => ({ x: randn([512, 256], 13), ids: ids(512, 8000, 14) }),
    run: (t) => tf.engine().runKernel('UnsortedSegmentSum', { x: t.x, segmentIds: t.ids }, { numSegments: 8000 }),
  },
  {
    name: 'MaxPoolGrad x[8,32,32,16] 2x2 stride 2',
    make: () => {
      const x = randn([8, 32, 32, 16], 15);
      return { x, y: tf.maxPool(x, 2, 2, 'valid'), dy: randn([8, 16, 16, 16], 16) };
    },
    run: (t) => tf.engine().runKernel('MaxPoolGrad', { dy: t.dy, input: t.x, output: t.y }, { filterSize: 2, strides: 2, pad: 'valid' }),
  },
  {
    name: 'conv layer step: grads of sum(relu(conv2d)) x[8,32,32,16] w[3,3,16,32]',
    slowOnCpu: true,
    make: () => ({ x: randn([8, 32, 32, 16], 17), w: randn([3, 3, 16, 32], 18) }),
    run: (t) => tf.grads((x, w) => tf.sum(tf.relu(tf.conv2d(x, w, 1, 'same'))))([t.x, t.w]),
  },
];

function timeCase(c, reps, warmUp = true) {
  const inputs = c.make();
  const once = () => {
    const out = c.run(inputs);
    const outs = Array.isArray(out) ? out : [out];
    for (const o of outs) o.dataSync();
    tf.dispose(outs);
  };
  if (warmUp) once(); // warm-up (operator creation, first allocation)
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    once();
    times.push(performance.now() - t0);
  }
  tf.dispose(Object.values(inputs));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function main() {
  const info = await initBackend({ requested: 'wasm', native: false });
  const native = nativeModule();
  const nativeOk = native.nativeStatus().available;
  const rows = [];
  for (const c of cases) {
    await tf.setBackend('cpu');
    // Cases that take seconds on cpu: one cold run is enough to show the gap.
    const slowOnCpu = c.slowOnCpu === true;
    const cpuMs = c.cpuOnlyWithFull && !FULL ? undefined : timeCase(c, slowOnCpu ? 1 : Math.min(REPS, 3), !slowOnCpu);
    await tf.setBackend('wasm');
    const wasmMs = timeCase(c, REPS);
    let nativeMs;
    if (nativeOk) {
      native.registerNativeKernels({});
      nativeMs = timeCase(c, REPS);
      native.unregisterNativeKernels();
    }
    rows.push({ kernel: c.name, cpuMs, wasmMs, nativeMs, speedup: cpuMs === undefined ? undefined : cpuMs / wasmMs });
    const rssMb = process.memoryUsage().rss / 1e6;
    console.error(`  done: ${c.name}: cpu ${cpuMs === undefined ? '-' : cpuMs.toFixed(1)} ms, wasm ${wasmMs.toFixed(1)} ms (rss ${rssMb.toFixed(0)} MB)`);
  }
  const fmt = (v) => (v === undefined ? '-' : v.toFixed(1));
  console.log(`\nkt wasm training kernels vs cpu (median ms of ${REPS}; cases slow on cpu: 1 cold cpu run)`);
  console.log(['kernel'.padEnd(74), 'cpu ms'.padStart(9), 'wasm ms'.padStart(9), 'speedup'.padStart(8), 'native ms'.padStart(10)].join(' '));
  for (const r of rows) {
    console.log([r.kernel.padEnd(74), fmt(r.cpuMs).padStart(9), fmt(r.wasmMs).padStart(9), (r.speedup === undefined ? '-' : r.speedup.toFixed(0) + 'x').padStart(8), fmt(r.nativeMs).padStart(10)].join(' '));
  }
  const out = join(here, 'results', 'wasm-kernels.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), node: process.version, backend: info, reps: REPS, full: FULL, nativeAvailable: nativeOk, rows }, null, 2) + '\n',
  );
  console.log(`\nwrote ${out}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
