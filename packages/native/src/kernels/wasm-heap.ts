import type { DataType, TensorInfo } from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm that the native kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): ArrayLike<number>;
}

export function asWasmBackend(backend: unknown, kernel: string): WasmBackendLike {
  const b = backend as Partial<WasmBackendLike> | undefined;
  if (typeof b?.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function') {
    throw new Error(`@kt/native ${kernel}: the backend is not tfjs-backend-wasm`);
  }
  return b as WasmBackendLike;
}

/**
 * A Float32Array view on the wasm heap. Take views only after every output has
 * been allocated: an allocation can grow the heap and detach older views.
 */
export function heapFloats(backend: WasmBackendLike, info: TensorInfo, kernel: string): Float32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array)) {
    throw new Error(`@kt/native ${kernel}: expected float32 data on the wasm heap, got ${info.dtype}`);
  }
  return view;
}

interface RefCountingBackend {
  incRef(dataId: unknown): void;
}

/** A TensorInfo that shares `x`'s data: the backend's reference count goes up by one. */
export function shareData(backend: unknown, kernel: string, x: TensorInfo): TensorInfo {
  const b = backend as Partial<RefCountingBackend> | undefined;
  if (typeof b?.incRef !== 'function') throw new Error(`@kt/native ${kernel}: the backend cannot share tensor data`);
  b.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function shapeError(kernel: string, message: string): Error {
  return new Error(`@kt/native ${kernel}: ${message}`);
}
