import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installKernels, kernelBelow, KT_KERNEL_NAMES, removeKernels } from '@kt/core';
import type { NativeKernelOptions, NativeStatus } from '@kt/core';
import { nativeKernels, nativeStatus } from '../src';

export const STATUS = nativeStatus();
export const describeNative: jest.Describe = STATUS.available ? describe : describe.skip;

if (!STATUS.available) {
  console.warn(`@kt/native tests skipped: addon unavailable (${STATUS.reason ?? 'unknown reason'})`);
}

/** Owner of the kernels these tests install (core's kernel layers, as core's backend set-up does). */
export const TEST_OWNER = '@kt/native tests';

/** Registers this package's kernels on 'wasm' through core's kernel layers; returns the status. */
export function registerNativeKernels(options: Omit<NativeKernelOptions, 'below'> = {}): NativeStatus {
  const set = nativeKernels({ ...options, below: (name) => kernelBelow(TEST_OWNER, name, 'wasm') });
  installKernels(TEST_OWNER, set.configs);
  return set.status;
}

/** Restores what was registered before {@link registerNativeKernels}. */
export function unregisterNativeKernels(): void {
  removeKernels(TEST_OWNER);
}

/** Whether core's fused ops run this package's kernels here: the backend is wasm and they are registered. */
export function fusedKernelsActive(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(KT_KERNEL_NAMES.gelu, 'wasm') !== undefined;
}

/** Deterministic values in [-1, 1). */
export function seeded(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export interface Spec {
  shape: number[];
  seed: number;
}

/** Runs `fn` on fresh tensors of `specs` on `backend`; returns the outputs' values. */
export async function runOn(backend: string, specs: Spec[], fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = specs.map((s) => tf.tensor(seeded(s.shape.reduce((a, b) => a * b, 1), s.seed), s.shape));
    const out = fn(...xs);
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

/** Max |a-b| / (|b| + 1): relative for large values, absolute near zero. */
export function maxRelErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!) / (Math.abs(b[i]!) + 1);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}

/** Compares `fn` on wasm (with whatever kernels are registered) against cpu. */
export async function expectMatchesCpu(specs: Spec[], fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], tol = 1e-4): Promise<void> {
  const ref = await runOn('cpu', specs, fn);
  const got = await runOn('wasm', specs, fn);
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    expect(got[i]!.length).toBe(ref[i]!.length);
    expect(maxRelErr(got[i]!, ref[i]!)).toBeLessThan(tol);
  }
}

/** fused(...) on wasm (the native kernels registered) against composite(...) on cpu, every output to `tol`. */
export async function expectFusedMatchesCpu(
  specs: Spec[],
  fused: (...xs: tf.Tensor[]) => tf.Tensor[],
  composite: (...xs: tf.Tensor[]) => tf.Tensor[],
  tol = 1e-4,
): Promise<void> {
  const ref = await runOn('cpu', specs, composite);
  const got = await runOn('wasm', specs, (...xs) => {
    expect(fusedKernelsActive()).toBe(true);
    return fused(...xs);
  });
  expect(got.length).toBe(ref.length);
  got.forEach((g, i) => {
    expect(g.length).toBe(ref[i]!.length);
    expect(maxRelErr(g, ref[i]!)).toBeLessThan(tol);
  });
}
