import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../addon';
import { broadcastShapes } from './geometry';
import type { Fallback, KernelArgs } from './matmul-kernels';
import { asWasmBackend, heapFloats, shapeError, sizeOf } from './wasm-heap';

function input(args: KernelArgs, name: string, kernel: string): TensorInfo {
  const t = args.inputs[name];
  if (!t) throw shapeError(kernel, `missing input '${name}'`);
  return t;
}

/** Codes of the addon's unary op. */
export const UNARY_OPS = { Tanh: 0, Exp: 1, Sigmoid: 2 } as const;

export function makeUnary(kernel: keyof typeof UNARY_OPS): (addon: NativeAddon, fallback: Fallback) => KernelFunc {
  const op = UNARY_OPS[kernel];
  return (addon, fallback) =>
    ((args: KernelArgs) => {
      const x = input(args, 'x', kernel);
      if (x.dtype !== 'float32') return fallback(args);
      const backend = asWasmBackend(args.backend, kernel);
      const out = backend.makeOutput([...x.shape], 'float32');
      if (sizeOf(x.shape) === 0) return out;
      addon.unary(op, heapFloats(backend, x, kernel), heapFloats(backend, out, kernel));
      return out;
    }) as unknown as KernelFunc;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Pow for float32 with an exponent of one element or of the base's shape; other cases use the previous kernel. */
export function makePow(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Pow';
  return ((args: KernelArgs) => {
    const a = input(args, 'a', kernel);
    const b = input(args, 'b', kernel);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    const outShape = broadcastShapes(kernel, a.shape, b.shape);
    const scalarExponent = sizeOf(b.shape) === 1 && sizeOf(outShape) === sizeOf(a.shape);
    if (!scalarExponent && !sameShape(a.shape, b.shape)) return fallback(args);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(outShape, 'float32');
    if (sizeOf(outShape) === 0) return out;
    addon.pow(heapFloats(backend, a, kernel), heapFloats(backend, b, kernel), heapFloats(backend, out, kernel));
    return out;
  }) as unknown as KernelFunc;
}
