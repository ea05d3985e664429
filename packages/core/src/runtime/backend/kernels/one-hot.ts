import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView, WASM_BACKEND } from './wasm-kernel-utils';

/**
 * OneHot honouring its `dtype`: tfjs-backend-wasm 4.22's built-in writes int32 bits into the output
 * whatever the dtype, so `tf.oneHot(ids, n, 1, 0, 'float32')` reads back as denormals (1.4e-45) on wasm
 * and a cross-entropy written with it is silently ~0. Indices outside [0, depth) give an all-`offValue` row.
 */
export function oneHot(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const { indices } = args.inputs as { indices: tf.TensorInfo };
  const { dtype, depth, onValue, offValue } = args.attrs as unknown as tf.OneHotAttrs;
  const out = backend.makeOutput([...indices.shape, depth], dtype);
  const values = heapView(backend, out);
  const ids = heapView(backend, indices);
  values.fill(offValue);
  for (let i = 0; i < ids.length; i++) {
    const k = ids[i]!;
    if (k >= 0 && k < depth) values[i * depth + k] = onValue;
  }
  return out;
}

export const oneHotConfig: tf.KernelConfig = {
  kernelName: tf.OneHot,
  backendName: WASM_BACKEND,
  kernelFunc: oneHot as unknown as tf.KernelFunc,
};
