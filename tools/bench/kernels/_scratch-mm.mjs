import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'module';
const require = createRequire(import.meta.url);
const native = require('/work/main/packages/native/dist/index.js');
await tf.setBackend('wasm');
native.registerNativeKernels({ blas: process.argv[2] ?? 'system' });
const a = tf.randomNormal([512, 128]); const w = tf.randomNormal([128, 512]); const b = tf.randomNormal([512]);
function t(name, f) { for (let i = 0; i < 3; i++) f().dispose(); const ts = []; for (let i = 0; i < 30; i++) { const t0 = performance.now(); const o = f(); o.dataSync(); o.dispose(); ts.push(performance.now() - t0); } ts.sort((x, y) => x - y); console.log(name, ts[15].toFixed(3), ts[0].toFixed(3)); }
t('matMul', () => tf.matMul(a, w));
t('matMul+add', () => tf.tidy(() => tf.add(tf.matMul(a, w), b)));
t('fused', () => tf.fused.matMul({ a, b: w, bias: b }));
