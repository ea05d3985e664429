import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'module';
const require = createRequire(import.meta.url);
const native = require('/work/main/packages/native/dist/index.js');
await tf.setBackend('wasm');
native.registerNativeKernels({ blas: process.argv[2] ?? 'system' });
function t(name, f, gf) { for (let i = 0; i < 2; i++) f().dispose(); const ts = []; for (let i = 0; i < 8; i++) { const t0 = performance.now(); const o = f(); o.dataSync(); o.dispose(); ts.push(performance.now() - t0); } ts.sort((x, y) => x - y); console.log(name, ts[4].toFixed(2), 'ms', (gf / ts[4]).toFixed(1), 'GFLOP/s'); }
const a = tf.randomNormal([640, 256]), w = tf.randomNormal([256, 6000]), wt = tf.randomNormal([6000, 256]), dy = tf.randomNormal([640, 6000]);
const g = 2 * 640 * 256 * 6000 / 1e6;
t('x·W', () => tf.matMul(a, w), g);
t('x·Wt^T (flag)', () => tf.matMul(a, wt, false, true), g);
t('dy·W^T', () => tf.matMul(dy, w, false, true), g);
t('x^T·dy', () => tf.matMul(a, dy, true, false), g);
t('transpose dy', () => tf.transpose(dy), 1);
