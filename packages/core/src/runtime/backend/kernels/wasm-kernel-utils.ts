import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Name under which tfjs registers the WebAssembly backend. */
export const WASM_BACKEND = 'wasm';

/**
 * Runs another kernel registered on the wasm backend, looked up at call time (so a kernel
 * replaced later, e.g. by @kt/native, is the one used). The result is backend-owned memory:
 * release intermediates with {@link releaseInfos}; only the kernel's final output goes to the engine.
 */
export function runWasmKernel(
  kernelName: string,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const config = tf.getKernel(kernelName, WASM_BACKEND);
  if (config === undefined) {
    throw new Error(`kt: kernel '${kernelName}' is not registered on the wasm backend`);
  }
  const out = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) {
    throw new Error(`kt: kernel '${kernelName}' returned ${out.length} outputs, expected one`);
  }
  return out;
}

/** Drops one backend reference to each intermediate (frees it when nothing else holds it). */
export function releaseInfos(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) {
    backend.disposeData(info.dataId);
  }
}

/**
 * A float32/int32 view on a tensor's wasm heap memory. Views are invalidated when the heap grows,
 * so allocate every output (backend.makeOutput) before taking views.
 */
export function heapView(backend: BackendWasm, info: tf.TensorInfo): Float32Array | Int32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array) && !(view instanceof Int32Array)) {
    throw new Error(`kt: unsupported dtype '${info.dtype}' for a wasm training kernel`);
  }
  return view;
}

/** Normalises a tfjs `[h, w] | n` attribute. */
export function pair(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}
