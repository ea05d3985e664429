import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'module';
import { TRANSFORMER, transformerTrainer } from '/work/main/tools/bench/kernels/transformer.mjs';
const require = createRequire(import.meta.url);
const native = require('/work/main/packages/native/dist/index.js');
const cfgs = (process.argv[2] ?? 'cpu-plain,cpu-fused,system-plain,system-fused').split(',');
for (const c of cfgs) {
  const [be, variant] = c.split('-');
  native.unregisterNativeKernels();
  await tf.setBackend(be === 'cpu' ? 'cpu' : 'wasm');
  if (be === 'system' || be === 'portable') native.registerNativeKernels({ blas: be });
  const t = transformerTrainer(TRANSFORMER, variant);
  const first = t.step();
  const times = [];
  const n = be === 'cpu' ? 0 : 15;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) { const t0 = performance.now(); t.step(); times.push(performance.now() - t0); }
  const cu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  let prof = '';
  if (process.env.PROF && be !== 'cpu') {
    const info = await tf.profile(() => { t.step(); });
    const m = new Map();
    for (const k of info.kernels) { const e = m.get(k.name) ?? [0, 0]; e[0] += k.kernelTimeMs; e[1]++; m.set(k.name, e); }
    prof = [...m].sort((a, b) => b[1][0] - a[1][0]).slice(0, 14).map(([k, [ms, n]]) => `${k} ${ms.toFixed(2)}/${n}`).join(', ') + ` | calls ${info.kernels.length} total ${info.kernels.reduce((s,k)=>s+k.kernelTimeMs,0).toFixed(1)}`;
  }
  console.log(c, 'first', first, 'median', times[n >> 1]?.toFixed(1), 'min', times[0]?.toFixed(1), 'cpu/step', ((cu.user + cu.system) / 1e3 / Math.max(n,1)).toFixed(1), 'native adam', t.optimizer.nativeUpdates ?? '-', prof);
  t.dispose();
}
