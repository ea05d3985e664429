import * as tf from '@tensorflow/tfjs';
import { initBackend, installNativeKernels, removeNativeKernels } from '@kt/core';
import { disposeDecoderCache, disposeEncoderState, greedyDecode, Transformer } from '../../src/models';
import { int2d, uniformSource, tinyConfig, useCpu } from './helpers';

/**
 * The MT transformer on core's ops: on wasm with @kt/native's kernels its ops run the fused kernels (KtAttention,
 * KtLayerNorm, KtGelu), on cpu their composites. Same logits, same gradients, same incremental decoding.
 */
let nativeActive = false;
let nativeReason = '';
beforeAll(async () => {
  await initBackend({ requested: 'wasm', native: false, log: () => undefined });
  const info = installNativeKernels();
  nativeActive = info.active;
  nativeReason = info.reason ?? '';
  await useCpu();
});
afterAll(async () => {
  removeNativeKernels();
  await useCpu();
});

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

interface Run {
  logits: Float32Array;
  grads: Float32Array[];
  steps: Float32Array[];
  greedy: number[][];
  kernels: string[];
}

describe('MT transformer forward: core ops with native kernels vs composites', () => {
  it('gives the same logits, gradients and incremental steps on wasm + native as the composites on cpu', async () => {
    if (!nativeActive) {
      console.warn(`@kt/native unavailable (${nativeReason}): skipping the kernels-vs-composite MT parity`);
      return;
    }
    const model = new Transformer({ ...tinyConfig, dModel: 32, heads: 4, ffDim: 48 }, 7);
    const rng = uniformSource(7);
    const v = tinyConfig.vocabSize;
    // Right padding (id 0) in both source and target, so both padding masks matter.
    const src = [
      [5, 6, 7, 8, 9, 3, 4],
      [9, 8, 7, 0, 0, 0, 0],
      [3, 4, 5, 6, 0, 0, 0],
    ];
    const tgt = [
      [1, 4, 5, 6, 7, 8],
      [1, 9, 10, 0, 0, 0],
      [1, 3, 3 + Math.floor(rng() * 10), 4, 5, 0],
    ];
    const run = async (): Promise<Run> => {
      const s = int2d(src);
      const t = int2d(tgt);
      const vars = model.trainableVariables();
      const loss = (): tf.Scalar => tf.mean(tf.logSoftmax(model.forward(s, t, { training: false }))) as tf.Scalar;
      let result: Run | undefined;
      const profile = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(loss, vars);
        const logits = model.forward(s, t, { training: false });
        const enc = model.encode(s);
        let cache = model.initDecoderCache(enc);
        const steps: Float32Array[] = [];
        for (let i = 0; i < tgt[0]!.length; i++) {
          const tokens = tf.tensor1d(tgt.map((r) => r[i]!), 'int32');
          const out = model.decodeStep(cache, tokens);
          cache = out.cache;
          steps.push(out.logits.dataSync() as Float32Array);
          tf.dispose([tokens, out.logits]);
        }
        result = {
          logits: logits.dataSync() as Float32Array,
          grads: vars.map((x) => grads[x.name]!.dataSync() as Float32Array),
          steps,
          greedy: greedyDecode(model, s, { maxLen: 8 }).tokens,
          kernels: [],
        };
        disposeDecoderCache(cache);
        disposeEncoderState(enc);
        tf.dispose([value, logits, ...Object.values(grads)]);
        return undefined;
      });
      tf.dispose([s, t]);
      return { ...result!, kernels: profile.kernelNames };
    };
    await useCpu();
    const before = tf.memory().numTensors;
    const cpu = await run();
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('wasm');
    const native = await run();
    await useCpu();
    expect(native.kernels).toEqual(expect.arrayContaining(['KtAttention', 'KtAttentionGrad', 'KtLayerNorm', 'KtLayerNormGrad', 'KtGelu', 'KtGeluGrad']));
    expect(cpu.kernels).not.toContain('KtAttention');
    expect(maxAbs(native.logits, cpu.logits)).toBeLessThan(1e-4);
    native.grads.forEach((g, i) => expect(maxAbs(g, cpu.grads[i]!)).toBeLessThan(1e-4));
    native.steps.forEach((step, i) => expect(maxAbs(step, cpu.steps[i]!)).toBeLessThan(1e-4));
    expect(native.steps[0]!.length).toBe(3 * v);
    expect(native.greedy).toEqual(cpu.greedy);
    model.dispose();
  }, 120_000);

  it('trains with the same dropout masks (KtDropout on wasm + native, drawn in JavaScript on cpu)', async () => {
    if (!nativeActive) {
      console.warn(`@kt/native unavailable (${nativeReason}): skipping the dropout parity`);
      return;
    }
    const model = new Transformer({ ...tinyConfig, dropout: 0.25 }, 9);
    const src = [[5, 6, 7, 8], [9, 8, 0, 0]];
    const tgt = [[1, 4, 5], [1, 9, 0]];
    const run = async (): Promise<{ logits: Float32Array; grads: Float32Array[]; kernels: string[] }> => {
      const s = int2d(src);
      const t = int2d(tgt);
      const vars = model.trainableVariables();
      let out: { logits: Float32Array; grads: Float32Array[] } | undefined;
      const profile = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => tf.mean(model.forward(s, t, { training: true, dropoutSeed: 3 })) as tf.Scalar, vars);
        const logits = model.forward(s, t, { training: true, dropoutSeed: 3 });
        out = { logits: logits.dataSync() as Float32Array, grads: vars.map((x) => grads[x.name]!.dataSync() as Float32Array) };
        tf.dispose([value, logits, ...Object.values(grads)]);
        return undefined;
      });
      tf.dispose([s, t]);
      return { ...out!, kernels: profile.kernelNames };
    };
    await useCpu();
    const cpu = await run();
    await tf.setBackend('wasm');
    const native = await run();
    await useCpu();
    expect(native.kernels).toContain('KtDropout');
    expect(cpu.kernels).not.toContain('KtDropout');
    expect(maxAbs(native.logits, cpu.logits)).toBeLessThan(1e-4);
    native.grads.forEach((g, i) => expect(maxAbs(g, cpu.grads[i]!)).toBeLessThan(1e-4));
    model.dispose();
  }, 120_000);
});
