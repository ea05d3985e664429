import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../addon';
import { binaryGeometry, broadcastShapes, reduceGeometry, rowsAsStridedCopy, stridedCopyPlan, stridesOf, transposePlan } from './geometry';
import type { Fallback, KernelArgs } from './matmul-kernels';
import { asWasmBackend, heapFloats, shapeError, shareData, sizeOf } from './wasm-heap';

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

/** Codes of the addon's binary op. */
export const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 } as const;

/** Float32 Add / Sub / Multiply / RealDiv with numpy broadcasting; other dtypes use the previous kernel. */
export function makeBinary(kernel: keyof typeof BINARY_OPS): (addon: NativeAddon, fallback: Fallback) => KernelFunc {
  const op = BINARY_OPS[kernel];
  return (addon, fallback) =>
    ((args: KernelArgs) => {
      const a = input(args, 'a', kernel);
      const b = input(args, 'b', kernel);
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
      const g = binaryGeometry(kernel, a.shape, b.shape);
      const backend = asWasmBackend(args.backend, kernel);
      const out = backend.makeOutput(g.outShape, 'float32');
      if (sizeOf(g.outShape) === 0) return out;
      addon.binary(op, heapFloats(backend, a, kernel), heapFloats(backend, b, kernel), heapFloats(backend, out, kernel), g.geometry);
      return out;
    }) as unknown as KernelFunc;
}

/** Float32 Sum over contiguous axes (after dropping size-1 dims); other cases use the previous kernel. */
export function makeSum(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Sum';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    if (x.dtype !== 'float32') return fallback(args);
    const g = reduceGeometry(kernel, x.shape, args.attrs?.['axis'], Boolean(args.attrs?.['keepDims']));
    if (!g) return fallback(args);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(g.outShape, 'float32');
    if (sizeOf(g.outShape) === 0) return out;
    addon.sum(heapFloats(backend, x, kernel), heapFloats(backend, out, kernel), g.outer, g.reduce, g.inner);
    return out;
  }) as unknown as KernelFunc;
}

/**
 * Identity without a copy: the output shares the input's data (reference
 * counted, as the wasm Reshape kernel and the cpu backend's Identity do).
 * tfjs runs Identity to save every tensor a gradient needs, so on the wasm
 * backend this removes one full copy per saved tensor.
 */
export function makeIdentity(_addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Identity';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    if (x.dtype === 'string') return fallback(args);
    return shareData(args.backend, kernel, x);
  }) as unknown as KernelFunc;
}

/** Cast to the input's own dtype without a copy; real conversions use the previous kernel. */
export function makeCast(_addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Cast';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    if (x.dtype === 'string' || args.attrs?.['dtype'] !== x.dtype) return fallback(args);
    return shareData(args.backend, kernel, x);
  }) as unknown as KernelFunc;
}

/** Float32 Transpose for permutations that keep the innermost dim or swap the last two (merged) dims. */
export function makeTranspose(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Transpose';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    const perm = args.attrs?.['perm'];
    if (x.dtype !== 'float32' || !Array.isArray(perm) || perm.length !== x.shape.length || x.shape.length > 8) return fallback(args);
    const plan = transposePlan(x.shape, perm as number[]);
    if (!plan) return fallback(args);
    const backend = asWasmBackend(args.backend, kernel);
    const outShape = (perm as number[]).map((a) => x.shape[a]!);
    const out = backend.makeOutput(outShape, 'float32');
    if (sizeOf(outShape) === 0) return out;
    const src = heapFloats(backend, x, kernel);
    const dst = heapFloats(backend, out, kernel);
    if (plan.kind === 'copy') dst.set(src);
    else if (plan.kind === 'rows') addon.stridedCopy(src, dst, rowsAsStridedCopy(plan.geometry));
    else addon.transpose2d(src, dst, plan.batch, plan.rows, plan.cols);
    return out;
  }) as unknown as KernelFunc;
}

function intList(value: unknown): number[] | undefined {
  if (typeof value === 'number') return [value];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v))) return undefined;
  return value as number[];
}

/**
 * Float32 Slice as strided row copies on the wasm heap. (wasm's Slice first copies the whole
 * input out of the heap with readSync, then copies row by row in JavaScript.)
 */
export function makeSlice(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Slice';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    const rank = x.shape.length;
    const beginAttr = intList(args.attrs?.['begin']);
    const sizeAttr = intList(args.attrs?.['size']);
    if (x.dtype !== 'float32' || !beginAttr || !sizeAttr || rank === 0) return fallback(args);
    // tfjs's parseSliceParams: missing trailing begin = 0; size -1 (or missing) = to the end.
    const begin = x.shape.map((_, i) => beginAttr[i] ?? 0);
    const size = x.shape.map((d, i) => {
      const s = sizeAttr[i];
      return s === undefined || s === -1 ? d - begin[i]! : s;
    });
    for (let i = 0; i < rank; i++) {
      if (begin[i]! < 0 || size[i]! < 0 || begin[i]! + size[i]! > x.shape[i]!) {
        throw shapeError(kernel, `begin ${JSON.stringify(begin)} + size ${JSON.stringify(size)} exceed x ${JSON.stringify(x.shape)}`);
      }
    }
    const xStrides = stridesOf(x.shape);
    const offset = begin.reduce((acc, b, i) => acc + b * xStrides[i]!, 0);
    const plan = stridedCopyPlan(size, xStrides, stridesOf(size), offset, 0);
    if (!plan) return fallback(args);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(size, 'float32');
    if (sizeOf(size) === 0) return out;
    addon.stridedCopy(heapFloats(backend, x, kernel).subarray(plan.xOffset), heapFloats(backend, out, kernel), plan.geometry);
    return out;
  }) as unknown as KernelFunc;
}

/** Float32 PadV2 (constant padding): fill, then a strided copy of x into the interior. */
export function makePadV2(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'PadV2';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    const paddings = args.attrs?.['paddings'];
    const constantValue = args.attrs?.['constantValue'] ?? 0;
    const rank = x.shape.length;
    if (
      x.dtype !== 'float32' ||
      rank === 0 ||
      typeof constantValue !== 'number' ||
      !Array.isArray(paddings) ||
      paddings.length !== rank ||
      !paddings.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && (v as number) >= 0))
    ) {
      return fallback(args);
    }
    const pads = paddings as unknown as Array<[number, number]>;
    const outShape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
    const outStrides = stridesOf(outShape);
    const offset = pads.reduce((acc, p, i) => acc + p[0] * outStrides[i]!, 0);
    const plan = stridedCopyPlan(x.shape, stridesOf(x.shape), outStrides, 0, offset);
    if (!plan) return fallback(args);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(outShape, 'float32');
    if (sizeOf(outShape) === 0) return out;
    const dst = heapFloats(backend, out, kernel);
    dst.fill(constantValue);
    if (sizeOf(x.shape) > 0) addon.stridedCopy(heapFloats(backend, x, kernel), dst.subarray(plan.outOffset), plan.geometry);
    return out;
  }) as unknown as KernelFunc;
}

/** Float32 Max over contiguous axes (NaN propagates, as on cpu); other cases use the previous kernel. */
export function makeMax(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Max';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    if (x.dtype !== 'float32' || sizeOf(x.shape) === 0) return fallback(args);
    const g = reduceGeometry(kernel, x.shape, args.attrs?.['reductionIndices'], Boolean(args.attrs?.['keepDims']));
    if (!g) return fallback(args);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(g.outShape, 'float32');
    addon.max(heapFloats(backend, x, kernel), heapFloats(backend, out, kernel), g.outer, g.reduce, g.inner);
    return out;
  }) as unknown as KernelFunc;
}

/** Float32 Mean over contiguous axes: the native Sum, then a scale; other cases use the previous kernel. */
export function makeMean(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Mean';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    if (x.dtype !== 'float32' || sizeOf(x.shape) === 0) return fallback(args);
    const g = reduceGeometry(kernel, x.shape, args.attrs?.['axis'], Boolean(args.attrs?.['keepDims']));
    if (!g) return fallback(args);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(g.outShape, 'float32');
    const dst = heapFloats(backend, out, kernel);
    addon.sum(heapFloats(backend, x, kernel), dst, g.outer, g.reduce, g.inner);
    const inv = 1 / g.reduce;
    for (let i = 0; i < dst.length; i++) dst[i] = dst[i]! * inv;
    return out;
  }) as unknown as KernelFunc;
}

/**
 * Float32 Unpack (tf.unstack) as one strided copy per output. (wasm's Unpack runs its Slice per output,
 * and each copies the whole input out of the heap.)
 */
export function makeUnpack(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Unpack';
  return ((args: KernelArgs) => {
    const value = input(args, 'value', kernel);
    const rank = value.shape.length;
    const axisAttr = args.attrs?.['axis'];
    if (value.dtype !== 'float32' || typeof axisAttr !== 'number' || rank === 0) return fallback(args);
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) throw shapeError(kernel, `axis ${axisAttr} is out of range for rank ${rank}`);
    const n = value.shape[axis]!;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const size = value.shape.map((d, i) => (i === axis ? 1 : d));
    const strides = stridesOf(value.shape);
    const plans = Array.from({ length: n }, (_, i) => stridedCopyPlan(size, strides, stridesOf(size), i * strides[axis]!, 0));
    if (plans.some((p) => p === undefined)) return fallback(args);
    const backend = asWasmBackend(args.backend, kernel);
    // Every output first: an allocation may grow the heap and detach views.
    const outs = plans.map(() => backend.makeOutput([...outShape], 'float32'));
    if (sizeOf(outShape) === 0) return outs;
    const src = heapFloats(backend, value, kernel);
    outs.forEach((out, i) => addon.stridedCopy(src.subarray(plans[i]!.xOffset), heapFloats(backend, out, kernel), plans[i]!.geometry));
    return outs;
  }) as unknown as KernelFunc;
}

/**
 * Float32 GatherV2 (batchDims 0) as row copies on the heap: out[o, j, :] = x[o, indices[j], :].
 * Rows shorter than 8 values use the previous kernel. An index outside [0, dim) is an error naming it.
 */
export function makeGatherV2(_addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'GatherV2';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    const indices = input(args, 'indices', kernel);
    const rank = x.shape.length;
    const axisAttr = args.attrs?.['axis'];
    const batchDims = args.attrs?.['batchDims'] ?? 0;
    if (x.dtype !== 'float32' || indices.dtype !== 'int32' || typeof axisAttr !== 'number' || batchDims !== 0 || rank === 0) return fallback(args);
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) return fallback(args);
    const inner = sizeOf(x.shape.slice(axis + 1));
    if (inner < 8) return fallback(args);
    const outer = sizeOf(x.shape.slice(0, axis));
    const dim = x.shape[axis]!;
    const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(outShape, 'float32');
    const count = sizeOf(indices.shape);
    if (sizeOf(outShape) === 0) return out;
    const idx = backend.typedArrayFromHeap(indices);
    const src = heapFloats(backend, x, kernel);
    const dst = heapFloats(backend, out, kernel);
    for (let j = 0; j < count; j++) {
      const k = idx[j]!;
      if (!(k >= 0 && k < dim)) throw shapeError(kernel, `the index value ${k} is not in [0, ${dim - 1}]`);
    }
    for (let o = 0; o < outer; o++) {
      const base = o * dim * inner;
      const outBase = o * count * inner;
      for (let j = 0; j < count; j++) {
        const from = base + idx[j]! * inner;
        dst.set(src.subarray(from, from + inner), outBase + j * inner);
      }
    }
    return out;
  }) as unknown as KernelFunc;
}

/**
 * Tile for every dtype on the wasm heap, by block copies: the innermost axis is written as runs of the
 * input row (a fill when the row has one element), then each outer axis copies its finished block
 * `reps - 1` times with copyWithin. (wasm's Tile computes an index per element in JavaScript: ~0.35 s for
 * a [32, 20, 1] → [32, 20, 6000] mask, which `tf.where` makes whenever its condition broadcasts.)
 */
export function makeTile(_addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Tile';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    const reps = intList(args.attrs?.['reps']);
    const rank = x.shape.length;
    if (x.dtype === 'string' || !reps || reps.length !== rank || rank === 0 || reps.some((r) => r < 0)) return fallback(args);
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(outShape, x.dtype);
    if (sizeOf(outShape) === 0) return out;
    const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array | Uint8Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array | Uint8Array;
    tileInto(src, dst, x.shape, reps);
    return out;
  }) as unknown as KernelFunc;
}

type Numbers = Float32Array | Int32Array | Uint8Array;

/** Writes `src` (row-major `shape`) tiled `reps` times per axis into `dst`. Exported for tests. */
export function tileInto(src: Numbers, dst: Numbers, shape: readonly number[], reps: readonly number[]): void {
  const rank = shape.length;
  if (dst.length === 0) return;
  const srcStrides = stridesOf(shape);
  const dstStrides = stridesOf(shape.map((d, i) => d * reps[i]!));
  const fillAxis = (axis: number, from: number, to: number): void => {
    const n = shape[axis]!;
    const r = reps[axis]!;
    if (axis === rank - 1) {
      if (n === 1) {
        dst.fill(src[from]!, to, to + r);
        return;
      }
      const row = src.subarray(from, from + n);
      for (let k = 0; k < r; k++) dst.set(row, to + k * n);
      return;
    }
    for (let j = 0; j < n; j++) fillAxis(axis + 1, from + j * srcStrides[axis]!, to + j * dstStrides[axis]!);
    const block = n * dstStrides[axis]!;
    for (let k = 1; k < r; k++) dst.copyWithin(to + k * block, to, to + block);
  };
  fillAxis(0, 0, 0);
}
