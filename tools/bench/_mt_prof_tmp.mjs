const tf = (await import('module')).createRequire(import.meta.url)('@tensorflow/tfjs');
import { createRequire } from 'module';
const require = createRequire(import.meta.url);
const core = require('/work/main/packages/core/dist/index.js');
const mt = require('/work/main/packages/mt/dist/index.js');
const backend = process.argv[2] ?? 'wasm';
await core.initBackend({ requested: backend });
const sizes = JSON.parse(process.argv[3]);
const B = +process.argv[4] || 64, T = +process.argv[5] || 20, V = +process.argv[6] || 400;
const model = new mt.Transformer({ vocabSize: V, maxLen: 256, ...sizes }, 1);
const opt = tf.train.adam(1e-3);
const rnd = () => Array.from({length: B}, () => Array.from({length: T}, () => 3 + Math.floor(Math.random() * (V - 3))));
const batch = mt.makeSeq2SeqBatch(rnd(), rnd(), { padId: 0, bosId: 1, eosId: 2 });
const times = [];
for (let i = 0; i < 8; i++) {
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => mt.labelSmoothedNll(model.forward(batch.src, batch.tgtIn, { training: true, dropoutSeed: i }), batch.tgtOut, batch.mask, 0.1), model.trainableVariables());
  value.dataSync(); opt.applyGradients(grads); tf.dispose([value, ...Object.values(grads)]);
  times.push(performance.now() - t0);
}
let t0 = performance.now();
for (let i = 0; i < 3; i++) tf.tidy(() => model.forward(batch.src, batch.tgtIn).dataSync());
const fwd = (performance.now() - t0) / 3;
t0 = performance.now();
mt.greedyDecode(model, batch.src, { maxLen: T + 1 });
const dec = performance.now() - t0;
console.log(backend, JSON.stringify(sizes), `B=${B} T=${T} V=${V} params=${model.parameterCount()} step ms`, times.slice(3).map(Math.round).join(' '), 'fwd', Math.round(fwd), 'greedy', Math.round(dec));
