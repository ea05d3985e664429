import * as tf from '@tensorflow/tfjs';
import { selfAttention, selfAttentionComposite, softmaxCrossEntropy, softmaxCrossEntropyComposite } from '@kt/core';
import { loadAddon } from '../src';
import { describeNative, expectFusedMatchesCpu, fusedKernelsActive, maxRelErr, registerNativeKernels, seeded, unregisterNativeKernels } from './helpers';

describe('selfAttention / softmaxCrossEntropy argument checks (any backend)', () => {
  it('names the bad argument', async () => {
    await tf.setBackend('cpu');
    tf.tidy(() => {
      expect(() => selfAttention(tf.zeros([2, 3, 10]), { heads: 2 })).toThrow(/qkv's last dim 10 is not 3 \* heads \(2\)/);
      expect(() => selfAttention(tf.zeros([6, 12]), { heads: 2 })).toThrow(/qkv must be \[batch, time, 3 \* model\]/);
      expect(() => softmaxCrossEntropy(tf.zeros([2, 3]), tf.zeros([2, 4]))).toThrow(/labels \[2, 3\] and logits \[2, 4\] differ/);
    });
  });
});

describeNative('fused self-attention and softmax cross-entropy kernels', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerNativeKernels({ threads: 2 });
  });
  afterAll(() => unregisterNativeKernels());

  const attentionRun =
    (f: (qkv: tf.Tensor, o: { heads: number; causal?: boolean; scale?: number }) => tf.Tensor, heads: number, causal: boolean, scale?: number) =>
    (x?: tf.Tensor, w?: tf.Tensor): tf.Tensor[] => {
      const qkv = tf.mul(x!, 2); // scores of a few units: a peaked but not one-hot softmax
      const opts = scale === undefined ? { heads, causal } : { heads, causal, scale };
      return [f(qkv, opts), tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z, opts), w!)))(qkv)];
    };

  it('causal attention (the benchmark transformer shape: B8 T64 H4 dh32) matches the composite on cpu, values and gradient', async () => {
    const specs = [
      { shape: [8, 64, 384], seed: 101 },
      { shape: [8, 64, 128], seed: 102 },
    ];
    await expectFusedMatchesCpu(specs, attentionRun(selfAttention, 4, true), attentionRun(selfAttentionComposite, 4, true));
  });

  it('with the portable GEMM forced, causal attention still matches the composite on cpu', async () => {
    registerNativeKernels({ threads: 2, blas: 'portable' });
    try {
      const specs = [
        { shape: [3, 33, 96], seed: 115 },
        { shape: [3, 33, 32], seed: 116 },
      ];
      await expectFusedMatchesCpu(specs, attentionRun(selfAttention, 2, true), attentionRun(selfAttentionComposite, 2, true));
    } finally {
      registerNativeKernels({ threads: 2 });
    }
  });

  it('non-causal attention, odd sizes (T 7, dh 5, 3 heads), custom scale, single-threaded path', async () => {
    const specs = [
      { shape: [2, 7, 45], seed: 103 },
      { shape: [2, 7, 15], seed: 104 },
    ];
    await expectFusedMatchesCpu(specs, attentionRun(selfAttention, 3, false, 0.3), attentionRun(selfAttentionComposite, 3, false, 0.3));
    await expectFusedMatchesCpu(specs, attentionRun(selfAttention, 3, true), attentionRun(selfAttentionComposite, 3, true));
  });

  it('a causal first position attends only to itself: its output is its own v', async () => {
    await tf.setBackend('wasm');
    const qkv = tf.tensor(seeded(2 * 5 * 12, 105), [2, 5, 12]);
    const out = tf.tidy(() => tf.slice(selfAttention(qkv, { heads: 2, causal: true }), [0, 0, 0], [2, 1, 4]).dataSync());
    const v0 = tf.tidy(() => tf.slice(qkv, [0, 0, 8], [2, 1, 4]).dataSync());
    expect(maxRelErr(out as Float32Array, v0 as Float32Array)).toBeLessThan(1e-6);
    qkv.dispose();
  });

  it('softmax cross-entropy: per-row loss and gradients for logits and (soft) labels match the composite on cpu', async () => {
    const run =
      (f: (labels: tf.Tensor, logits: tf.Tensor) => tf.Tensor) =>
      (x?: tf.Tensor, l?: tf.Tensor, w?: tf.Tensor): tf.Tensor[] => {
        const logits = tf.mul(x!, 8);
        const labels = tf.softmax(tf.mul(l!, 3)); // soft labels, each row sums to 1
        const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(f(a, b), w!));
        return [f(labels, logits), ...tf.grads(loss)([labels, logits])];
      };
    await expectFusedMatchesCpu(
      [
        { shape: [512, 512], seed: 106 },
        { shape: [512, 512], seed: 107 },
        { shape: [512], seed: 108 },
      ],
      run(softmaxCrossEntropy),
      run(softmaxCrossEntropyComposite),
    );
    await expectFusedMatchesCpu(
      [
        { shape: [2, 3, 7], seed: 109 },
        { shape: [2, 3, 7], seed: 110 },
        { shape: [2, 3], seed: 111 },
      ],
      run(softmaxCrossEntropy),
      run(softmaxCrossEntropyComposite),
    );
  });

  it('the mean of softmaxCrossEntropy with one-hot labels equals tf.losses.softmaxCrossEntropy, and stays finite for huge logits', async () => {
    await tf.setBackend('wasm');
    const [fused, ref, big] = tf.tidy(() => {
      const logits = tf.mul(tf.tensor(seeded(64 * 50, 112), [64, 50]), 5);
      const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => (i * 7) % 50), 'int32'), 50).toFloat();
      const huge = tf.mul(logits, 1e4);
      return [tf.mean(softmaxCrossEntropy(labels, logits)).dataSync()[0]!, tf.losses.softmaxCrossEntropy(labels, logits).dataSync()[0]!, tf.mean(softmaxCrossEntropy(labels, huge)).dataSync()[0]!];
    });
    expect(Math.abs(fused - ref)).toBeLessThan(1e-5 * Math.abs(ref));
    expect(Number.isFinite(big)).toBe(true);
  });

  it('a training step through both ops leaks no tensors, and the composite runs when the kernels are unregistered', async () => {
    await tf.setBackend('wasm');
    const w = tf.variable(tf.tensor(seeded(16 * 48, 113), [16, 48]));
    const x = tf.tensor(seeded(2 * 6 * 16, 114), [12, 16]);
    const labels = tf.oneHot(tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0], 'int32'), 16).toFloat();
    const opt = tf.train.sgd(0.1);
    const step = (): number => {
      const loss = opt.minimize(() => {
        const att = tf.reshape(selfAttention(tf.reshape(tf.matMul(x, w), [2, 6, 48]), { heads: 2, causal: true }), [12, 16]);
        return tf.mean(softmaxCrossEntropy(labels, att));
      }, true)!;
      const v = loss.dataSync()[0]!;
      loss.dispose();
      return v;
    };
    step();
    const before = tf.memory().numTensors;
    const l1 = step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    unregisterNativeKernels();
    expect(fusedKernelsActive()).toBe(false);
    const l3 = step();
    registerNativeKernels({ threads: 2 });
    expect(Number.isFinite(l1) && Number.isFinite(l3)).toBe(true);
    expect(l3).toBeLessThan(l1); // still training, through either path
    tf.dispose([w, x, labels]);
    opt.dispose();
  });

  it('survives heap growth inside KtAttention (two outputs allocated before any view): uniform weights average v', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
    const heapBefore = backend.wasm.HEAPU8.buffer.byteLength;
    // The attention weights [1, 1, T, T] alone are larger than the whole current heap.
    const t = Math.ceil(Math.sqrt(heapBefore / 4 + (4 << 20)));
    const v = seeded(t, 117);
    // q = 0: every allowed position gets the same weight, so out[i] = mean(v[0..i]).
    const qkvValues = new Float32Array(3 * t);
    for (let i = 0; i < t; i++) {
      qkvValues[3 * i + 1] = 0.5;
      qkvValues[3 * i + 2] = v[i]!;
    }
    const qkv = tf.tensor3d(qkvValues, [1, t, 3]);
    const out = selfAttention(qkv, { heads: 1, causal: true });
    expect(backend.wasm.HEAPU8.buffer.byteLength).toBeGreaterThan(heapBefore);
    const got = out.dataSync();
    let sum = 0;
    for (let i = 0; i < t; i++) {
      sum += v[i]!;
      if (i % 97 === 0 || i === t - 1) expect(Math.abs(got[i]! - sum / (i + 1))).toBeLessThan(1e-4);
    }
    tf.dispose([qkv, out]);
  });

  it('the addon rejects buffers that do not match the geometry instead of crashing', () => {
    const { addon } = loadAddon();
    const f = (n: number): Float32Array => new Float32Array(n);
    const dims = (b: number, tq: number, tk: number, ld = 12): Int32Array => Int32Array.of(b, tq, tk, 2, 2, ld, ld, ld);
    // B=2, T=3, H=2, dh=2 packed (ld 12): probs one float short.
    expect(() => addon!.attentionForward(f(72), f(70), f(68), f(24), f(2 * 2 * 9 - 1), undefined, dims(2, 3, 3), 1, true)).toThrow(
      /attentionForward: buffer sizes/,
    );
    expect(() => addon!.attentionForward(f(72), f(70), f(68), f(24), f(36), f(5), dims(2, 3, 3), 1, true)).toThrow(/keyPad/);
    expect(() => addon!.attentionForward(f(72), f(70), f(60), f(24), f(36), undefined, dims(2, 3, 3), 1, true)).toThrow(
      /smaller than its \[rows, stride\] geometry/,
    );
    expect(() => addon!.attentionForward(f(12), f(4), f(4), f(4), f(4), undefined, dims(1, 0, 1), 1, true)).toThrow(/must be positive/);
    expect(() => addon!.attentionForward(f(12), f(12), f(12), f(4), f(1), undefined, dims(1, 1, 1, 3), 1, false)).toThrow(/strides must be >=/);
    expect(() => addon!.attentionBackward(f(72), f(70), f(68), f(36), f(5), f(72), f(70), f(68), dims(2, 3, 3), 1)).toThrow(
      /attentionBackward: buffer sizes/,
    );
    expect(() => addon!.softmaxXentForward(f(6), f(6), f(3), f(5), 2, 3)).toThrow(/softmaxXentForward: buffer sizes/);
    expect(() => addon!.softmaxXentBackward(f(6), f(6), f(1), f(6), f(6), 2, 3)).toThrow(/softmaxXentBackward: buffer sizes/);
  });
});
