import * as tf from '@tensorflow/tfjs';
import type { KtNativeModule } from '@kt/core';
import { KT_NATIVE_MODULE_MEMBERS } from '@kt/core';
import * as native from '../src';
import { NATIVE_KERNEL_NAMES, NATIVE_KERNELS, loadAddon, nativeKernels, nativeStatus } from '../src';
import { missingCpuFeatures } from '../src/addon';
import { describeNative, registerNativeKernels, seeded, unregisterNativeKernels } from './helpers';

describe('missingCpuFeatures (addon built with -march=native on another CPU)', () => {
  const cpuinfo = (flags: string): string => `processor\t: 0\nflags\t\t: fpu ${flags} sse4_2\n`;
  it('lists the recorded SIMD flags this CPU lacks, only for -march=native builds', () => {
    const rec = { ok: true, march: 'native', cpuFlags: ['sse4_2', 'avx2', 'avx512f'] };
    expect(missingCpuFeatures(rec, cpuinfo('avx avx2'))).toEqual(['avx512f']);
    expect(missingCpuFeatures(rec, cpuinfo('avx avx2 avx512f'))).toEqual([]);
    expect(missingCpuFeatures({ ...rec, march: 'x86-64-v2' }, cpuinfo(''))).toEqual([]);
    expect(missingCpuFeatures(undefined, cpuinfo(''))).toEqual([]);
    expect(missingCpuFeatures(rec, undefined)).toEqual([]);
  });
});

describe('nativeStatus', () => {
  it('never throws and reports a consistent status', () => {
    const s = nativeStatus();
    expect(typeof s.available).toBe('boolean');
    if (s.available) {
      expect(['openblas', 'cblas', 'portable']).toContain(s.blas);
      expect(s.threads).toBeGreaterThanOrEqual(1);
    } else {
      expect(s.blas).toBe('none');
      expect(s.reason).toEqual(expect.any(String));
      expect(nativeKernels({ below: () => undefined })).toEqual({ status: s, configs: [] });
    }
  });
});

describe('the module core loads (its interface is declared once, in @kt/core native-api.ts)', () => {
  it('exports every member core checks at load time, with the declared kinds', () => {
    // Compile-time: src/index.ts's Conforms type fails to build when an export drifts.
    const asLoaded: KtNativeModule = native;
    for (const [name, kind] of Object.entries(KT_NATIVE_MODULE_MEMBERS)) {
      expect(typeof (asLoaded as unknown as Record<string, unknown>)[name]).toBe(kind);
    }
    expect(NATIVE_KERNEL_NAMES).toEqual(NATIVE_KERNELS.map(([name]) => name));
    expect(new Set(NATIVE_KERNEL_NAMES).size).toBe(NATIVE_KERNEL_NAMES.length);
  });
});

interface HeapBackend {
  wasm: { HEAPU8: Uint8Array };
}

describeNative('native kernel registry and safety', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterEach(() => unregisterNativeKernels());

  it('registers every kernel and unregister restores the previous registrations', () => {
    const before = new Map(NATIVE_KERNELS.map(([name]) => [name, tf.getKernel(name, 'wasm')]));
    // tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter: conv gradients on wasm need this package.
    expect(before.get('Conv2DBackpropFilter')).toBeUndefined();
    expect(before.get('BatchMatMul')).toBeDefined();
    const status = registerNativeKernels();
    expect(status.available).toBe(true);
    expect([...status.kernels].sort()).toEqual([...NATIVE_KERNEL_NAMES].sort());
    for (const [name] of NATIVE_KERNELS) {
      const k = tf.getKernel(name, 'wasm');
      expect(k).toBeDefined();
      expect(k).not.toBe(before.get(name));
    }
    // Registering twice keeps the original registrations remembered.
    registerNativeKernels({ blas: 'portable' });
    expect(nativeStatus().blas).toBe('portable');
    unregisterNativeKernels();
    for (const [name] of NATIVE_KERNELS) expect(tf.getKernel(name, 'wasm')).toBe(before.get(name));
    // The restored built-in kernel still works.
    const out = tf.matMul(tf.ones([2, 3]), tf.ones([3, 2]));
    expect(Array.from(out.dataSync())).toEqual([3, 3, 3, 3]);
    out.dispose();
  });

  it('system mode reports the compiled BLAS, portable mode reports portable', () => {
    const compiled = loadAddon().addon!.info().blas;
    expect(registerNativeKernels({ blas: 'system' }).blas).toBe(compiled === 'none' ? 'portable' : compiled);
    expect(registerNativeKernels({ blas: 'portable', threads: 1 })).toMatchObject({ blas: 'portable', threads: 1 });
  });

  it('survives heap growth inside a kernel (views are taken after allocating the output)', () => {
    registerNativeKernels();
    const backend = tf.backend() as unknown as HeapBackend;
    const heapBefore = backend.wasm.HEAPU8.buffer.byteLength;
    // Output larger than the whole current heap: makeOutput must grow it.
    const n = Math.ceil(Math.sqrt(heapBefore / 4 + (8 << 20)));
    const av = seeded(n, 41);
    const bv = seeded(n, 42);
    const a = tf.tensor2d(av, [n, 1]);
    const b = tf.tensor2d(bv, [1, n]);
    const out = tf.matMul(a, b);
    expect(backend.wasm.HEAPU8.buffer.byteLength).toBeGreaterThan(heapBefore);
    const got = out.dataSync();
    for (let t = 0; t < 2000; t++) {
      const i = (t * 7919) % n;
      const j = (t * 104729 + 13) % n;
      expect(Math.abs(got[i * n + j]! - av[i]! * bv[j]!)).toBeLessThan(1e-6);
    }
    expect(got[n * n - 1]).toBeCloseTo(av[n - 1]! * bv[n - 1]!, 6);
    tf.dispose([a, b, out]);
  });

  it('bad shapes throw a clear Error and leak nothing', () => {
    registerNativeKernels();
    const before = tf.memory().numTensors;
    const a = tf.ones([2, 3]);
    const b = tf.ones([4, 5]);
    expect(() => tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false })).toThrow(
      /@kt\/native BatchMatMul: inner dimensions 3 and 4/,
    );
    const a3 = tf.ones([2, 2, 3]);
    const b3 = tf.ones([3, 3, 2]);
    expect(() => tf.engine().runKernel('BatchMatMul', { a: a3, b: b3 }, { transposeA: false, transposeB: false })).toThrow(
      /do not broadcast/,
    );
    const x = tf.ones([1, 5, 5, 3]);
    const f = tf.ones([3, 3, 2, 4]);
    expect(() =>
      tf.engine().runKernel('Conv2D', { x, filter: f }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 }),
    ).toThrow(/@kt\/native Conv2D: x channels 3 must match filter input channels 2/);
    const dy = tf.ones([1, 4, 4, 4]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] }),
    ).toThrow(/dy has shape \[1,4,4,4\] but the convolution needs \[1,5,5,4\]/);
    const m = tf.ones([2, 3, 4]);
    const k = tf.ones([2, 4, 5]);
    const bias = tf.ones([3]);
    expect(() => tf.engine().runKernel('_FusedMatMul', { a: m, b: k, bias }, { transposeA: false, transposeB: false, activation: 'relu' })).toThrow(
      /bias of shape \[3\] does not broadcast/,
    );
    expect(() => tf.engine().runKernel('_FusedMatMul', { a: m, b: k }, { transposeA: false, transposeB: false, activation: 'gelu' })).toThrow(
      /unsupported activation 'gelu'/,
    );
    tf.dispose([a, b, a3, b3, x, f, dy, m, k, bias]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the addon itself rejects out-of-bounds arguments instead of crashing', () => {
    const addon = loadAddon().addon!;
    const i0 = Int32Array.of(0);
    expect(() => addon.matmul(new Float32Array(4), new Float32Array(4), new Float32Array(3), 1, 2, 2, 2, false, false, i0, i0)).toThrow(
      /output is too small/,
    );
    expect(() => addon.matmul(new Float32Array(4), new Float32Array(4), new Float32Array(8), 2, 2, 2, 2, false, false, Int32Array.of(0, 1), Int32Array.of(0, 0))).toThrow(
      /aIndex indexes past its tensor/,
    );
    expect(() =>
      addon.conv2d(new Float32Array(10), new Float32Array(9), new Float32Array(100), Int32Array.of(1, 5, 5, 1, 5, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1)),
    ).toThrow(/x is smaller than its shape/);
    expect(() => addon.epilogue(new Float32Array(6), 1, 2, 3, 1, 0, new Float32Array(2), Int32Array.of(0), Int32Array.of(3, 0, 1), undefined, undefined, undefined)).toThrow(
      /bias is too small/,
    );
    expect(() => addon.configure(true, 0)).toThrow(/threads/);
  });

  it('int32 matMul falls back to the previous kernel', () => {
    registerNativeKernels();
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    // The built-in wasm BatchMatMul rejects int32; the native kernel must defer to it, not misread memory.
    expect(() => tf.matMul(a, a).dataSync()).toThrow(/non-float32|not yet supported/);
    a.dispose();
  });
});
