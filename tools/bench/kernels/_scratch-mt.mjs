import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'module';
import { mtKdTrainer } from './mt-kd-step.mjs';
const require = createRequire(import.meta.url);
const native = require('/work/main/packages/native/dist/index.js');
for (const c of (process.argv[2] ?? 'system').split(',')) {
  native.unregisterNativeKernels();
  await tf.setBackend(c === 'cpu' ? 'cpu' : 'wasm');
  if (c === 'system' || c === 'portable') native.registerNativeKernels({ blas: c });
  const t = mtKdTrainer();
  let t0 = performance.now();
  const first = t.step();
  console.log(c, 'first step', first, (performance.now() - t0).toFixed(0), 'ms');
  if (c === 'cpu') { t.dispose(); continue; }
  const ts = [];
  for (let i = 0; i < 4; i++) { t0 = performance.now(); t.step(); ts.push(performance.now() - t0); }
  console.log(c, ts.map((x) => x.toFixed(0)).join(' '), 'native adam', t.optimizer.nativeUpdates);
  const info = await tf.profile(() => { t.step(); });
  const m = new Map();
  for (const k of info.kernels) { const e = m.get(k.name) ?? [0, 0]; e[0] += k.kernelTimeMs; e[1]++; m.set(k.name, e); }
  console.log([...m].sort((a, b) => b[1][0] - a[1][0]).slice(0, 16).map(([k, [ms, n]]) => `${k} ${ms.toFixed(1)}/${n}`).join(', '), '| calls', info.kernels.length);
  t.dispose();
}
