import * as tf from '@tensorflow/tfjs';
import { loadAddon } from './addon';
import { FUSED_KERNEL_NAMES } from './kernels/fused-kernels';
import type { WasmBackendLike } from './kernels/wasm-heap';
import type { NativeAdamUpdate } from '@kt/core';

interface HeapBackend extends WasmBackendLike {
  refCount(dataId: unknown): number;
  dataIdMap?: { has(dataId: unknown): boolean };
}

function heapBackend(): HeapBackend | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const b = tf.engine().backend as unknown as Partial<HeapBackend>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function' || typeof b.refCount !== 'function') {
    return undefined;
  }
  return b as HeapBackend;
}

function onHeap(backend: HeapBackend, t: tf.Tensor): boolean {
  return t.dtype === 'float32' && !t.isDisposed && (backend.dataIdMap === undefined || backend.dataIdMap.has(t.dataId));
}

/**
 * Performs one Adam update of `variable`, `m`, `v` from `grad` in a single native call, in place on the
 * wasm heap (a buffer shared with another tensor, e.g. a clone, is written to a fresh buffer instead and
 * assigned, so no other tensor changes). Returns false, touching nothing, when it cannot: the native
 * kernels are not registered, the backend is not wasm, a tensor is not float32 or shapes differ.
 */
export function adamUpdate(u: NativeAdamUpdate): boolean {
  const load = loadAddon();
  const addon = load.addon;
  if (!addon || tf.getKernel(FUSED_KERNEL_NAMES.gelu, 'wasm') === undefined) return false;
  const backend = heapBackend();
  if (!backend) return false;
  const tensors = [u.variable, u.m, u.v, u.grad];
  if (!tensors.every((t) => onHeap(backend, t) && t.size === u.variable.size)) return false;
  if (u.variable.size === 0) return true;
  // Copy-on-write: a buffer with other references gets a fresh output buffer.
  const targets = [u.variable, u.m, u.v];
  const fresh = targets.map((t) => (backend.refCount(t.dataId) > 1 ? backend.makeOutput([...t.shape], 'float32') : undefined));
  // Views only after every allocation (an allocation may grow the heap and detach older views).
  const view = (info: { dataId: unknown; shape: number[]; dtype: tf.DataType }): Float32Array =>
    backend.typedArrayFromHeap(info as never) as Float32Array;
  const ins = tensors.map((t) => view(t));
  const outs = targets.map((t, i) => view(fresh[i] ?? t));
  const coefficients = Float32Array.of(
    u.beta1,
    1 - u.beta1,
    u.beta2,
    1 - u.beta2,
    1 - Math.fround(u.accBeta1),
    1 - Math.fround(u.accBeta2),
    u.epsilon,
    -u.learningRate,
  );
  addon.adamUpdate(ins[0]!, ins[1]!, ins[2]!, ins[3]!, outs[0]!, outs[1]!, outs[2]!, coefficients);
  targets.forEach((t, i) => {
    const info = fresh[i];
    if (!info) return;
    const tensor = tf.engine().makeTensorFromTensorInfo(info, tf.engine().backend);
    t.assign(tensor);
    tensor.dispose();
  });
  return true;
}
