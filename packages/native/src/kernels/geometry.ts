import { shapeError, sizeOf } from './wasm-heap';

/** Output shape of broadcasting two shapes (numpy rules); throws on mismatch. */
export function broadcastShapes(kernel: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw shapeError(kernel, `batch dimensions [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * For each flat index over `outOuter`, the flat index into `outer` when
 * `outer` is broadcast (right-aligned, size-1 dimensions repeat) to `outOuter`.
 */
export function broadcastIndex(outer: readonly number[], outOuter: readonly number[]): Int32Array {
  const count = sizeOf(outOuter);
  const index = new Int32Array(count);
  const offset = outOuter.length - outer.length;
  const strides: number[] = new Array<number>(outer.length).fill(0);
  let s = 1;
  for (let i = outer.length - 1; i >= 0; i--) {
    strides[i] = outer[i] === 1 ? 0 : s;
    s *= outer[i];
  }
  for (let flat = 0; flat < count; flat++) {
    let rest = flat;
    let at = 0;
    for (let d = outOuter.length - 1; d >= 0; d--) {
      const dim = outOuter[d];
      const coord = rest % dim;
      rest = (rest - coord) / dim;
      const od = d - offset;
      if (od >= 0) at += coord * strides[od];
    }
    index[flat] = at;
  }
  return index;
}

export interface MatMulGeometry {
  outShape: number[];
  batch: number;
  m: number;
  n: number;
  k: number;
  aIndex: Int32Array;
  bIndex: Int32Array;
}

/** Shapes of a (batched, broadcast) matrix product as tfjs's BatchMatMul defines it. */
export function matMulGeometry(
  kernel: string,
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): MatMulGeometry {
  if (aShape.length < 2 || bShape.length < 2) {
    throw shapeError(kernel, `inputs must have rank >= 2, got [${aShape.join(',')}] and [${bShape.join(',')}]`);
  }
  const ar = aShape.length;
  const br = bShape.length;
  const m = transposeA ? aShape[ar - 1] : aShape[ar - 2];
  const kA = transposeA ? aShape[ar - 2] : aShape[ar - 1];
  const kB = transposeB ? bShape[br - 1] : bShape[br - 2];
  const n = transposeB ? bShape[br - 2] : bShape[br - 1];
  if (kA !== kB) {
    throw shapeError(
      kernel,
      `inner dimensions ${kA} and ${kB} of [${aShape.join(',')}] and [${bShape.join(',')}] ` +
        `(transposeA=${transposeA}, transposeB=${transposeB}) must match`,
    );
  }
  const aOuter = aShape.slice(0, -2);
  const bOuter = bShape.slice(0, -2);
  const outOuter = broadcastShapes(kernel, aOuter, bOuter);
  return {
    outShape: [...outOuter, m, n],
    batch: sizeOf(outOuter),
    m,
    n,
    k: kA,
    aIndex: broadcastIndex(aOuter, outOuter),
    bIndex: broadcastIndex(bOuter, outOuter),
  };
}

export interface OperandBroadcast {
  index: Int32Array;
  /** [matrix size, row stride, column stride] */
  geometry: Int32Array;
}

/**
 * How `shape` (bias or prelu weights) broadcasts onto an output of shape
 * `outShape` (rank >= 2) seen as [batch, rows, cols].
 */
export function operandBroadcast(kernel: string, name: string, shape: readonly number[], outShape: readonly number[]): OperandBroadcast {
  const r = outShape.length;
  if (shape.length > r) {
    throw shapeError(kernel, `${name} of shape [${shape.join(',')}] has a higher rank than the output [${outShape.join(',')}]`);
  }
  for (let i = 0; i < shape.length; i++) {
    const d = shape[shape.length - 1 - i];
    const o = outShape[r - 1 - i];
    if (d !== 1 && d !== o) {
      throw shapeError(kernel, `${name} of shape [${shape.join(',')}] does not broadcast to the output [${outShape.join(',')}]`);
    }
  }
  const padded = [...new Array<number>(r - shape.length).fill(1), ...shape];
  const rows = padded[r - 2];
  const cols = padded[r - 1];
  return {
    index: broadcastIndex(padded.slice(0, -2), outShape.slice(0, -2)),
    geometry: Int32Array.of(rows * cols, rows === 1 ? 0 : cols, cols === 1 ? 0 : 1),
  };
}

/** Activation codes understood by the addon's epilogue. */
export const ACTIVATIONS: Readonly<Record<string, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  elu: 3,
  prelu: 4,
  leakyrelu: 5,
  sigmoid: 6,
};

export function activationCode(kernel: string, activation: unknown): number {
  const name = activation === undefined || activation === null ? 'linear' : String(activation);
  const code = ACTIVATIONS[name];
  if (code === undefined) throw shapeError(kernel, `unsupported activation '${name}'`);
  return code;
}

export interface BinaryGeometry {
  outShape: number[];
  /** [rank, dims[rank], aStrides[rank], bStrides[rank]] over the collapsed output (rank >= 1). */
  geometry: Int32Array;
}

/**
 * Broadcast geometry of an elementwise binary op: the output shape and, over
 * the output with adjacent dimensions merged where both operands broadcast
 * the same way, each operand's element strides (0 along broadcast dims).
 */
export function binaryGeometry(kernel: string, aShape: readonly number[], bShape: readonly number[]): BinaryGeometry {
  const outShape = broadcastShapes(kernel, aShape, bShape);
  const rank = outShape.length;
  const pad = (s: readonly number[]): number[] => [...new Array<number>(rank - s.length).fill(1), ...s];
  const ap = pad(aShape);
  const bp = pad(bShape);
  // Dims of the output > 1, each with whether a / b is broadcast along it; merge equal neighbours.
  const dims: number[] = [];
  const aB: boolean[] = [];
  const bB: boolean[] = [];
  for (let i = 0; i < rank; i++) {
    const d = outShape[i];
    if (d === 1) continue;
    const ab = ap[i] === 1;
    const bb = bp[i] === 1;
    const last = dims.length - 1;
    if (last >= 0 && aB[last] === ab && bB[last] === bb) {
      dims[last] *= d;
    } else {
      dims.push(d);
      aB.push(ab);
      bB.push(bb);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    aB.push(false);
    bB.push(false);
  }
  const r = dims.length;
  const sa = new Array<number>(r).fill(0);
  const sb = new Array<number>(r).fill(0);
  let accA = 1;
  let accB = 1;
  for (let i = r - 1; i >= 0; i--) {
    if (!aB[i]) {
      sa[i] = accA;
      accA *= dims[i];
    }
    if (!bB[i]) {
      sb[i] = accB;
      accB *= dims[i];
    }
  }
  return { outShape, geometry: Int32Array.from([r, ...dims, ...sa, ...sb]) };
}

export interface ReduceGeometry {
  outShape: number[];
  outer: number;
  reduce: number;
  inner: number;
}

/**
 * Geometry of a reduction over `axis` (tfjs conventions: undefined/null means
 * every axis, negative axes count from the end) as [outer, reduce, inner], or
 * undefined when the reduced axes (ignoring size-1 dims) are not contiguous.
 */
export function reduceGeometry(kernel: string, shape: readonly number[], axis: unknown, keepDims: boolean): ReduceGeometry | undefined {
  const rank = shape.length;
  let axes: number[];
  if (axis === undefined || axis === null) {
    axes = shape.map((_, i) => i);
  } else {
    const list: unknown[] = Array.isArray(axis) ? axis : [axis];
    axes = list.map((a) => {
      if (typeof a !== 'number' || !Number.isInteger(a) || a < -rank || a >= Math.max(rank, 1)) {
        throw shapeError(kernel, `axis ${JSON.stringify(axis)} is out of range for rank ${rank}`);
      }
      return a < 0 ? a + rank : a;
    });
  }
  const reduced = new Set(axes);
  const outShape: number[] = [];
  shape.forEach((d, i) => {
    if (!reduced.has(i)) outShape.push(d);
    else if (keepDims) outShape.push(1);
  });
  let first = -1;
  let last = -1;
  for (let i = 0; i < rank; i++) {
    if (reduced.has(i) && shape[i] !== 1) {
      if (first < 0) first = i;
      last = i;
    }
  }
  for (let i = first; i >= 0 && i <= last; i++) {
    if (!reduced.has(i) && shape[i] !== 1) return undefined;
  }
  const prod = (from: number, to: number): number => shape.slice(from, to).reduce((a, b) => a * b, 1);
  if (first < 0) return { outShape, outer: sizeOf(shape), reduce: 1, inner: 1 };
  return { outShape, outer: prod(0, first), reduce: prod(first, last + 1), inner: prod(last + 1, rank) };
}

/** How the native Transpose runs a permutation (after dropping size-1 dims and merging dims that stay adjacent). */
export type TransposePlan =
  | { kind: 'copy' }
  | { kind: 'rows'; geometry: Int32Array }
  | { kind: 'swap'; batch: number; rows: number; cols: number };

/**
 * Plans `transpose(x, perm)` for x of `shape`: 'copy' when the data order is unchanged, 'rows' when the
 * innermost (merged) input dim stays innermost (each output row is a contiguous input run), 'swap' for
 * [batch..., r, c] -> [batch..., c, r]; undefined otherwise (the previous kernel runs).
 */
export function transposePlan(shape: readonly number[], perm: readonly number[]): TransposePlan | undefined {
  // Drop size-1 dims, renumbering the rest.
  const keep = shape.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
  const rank = keep.length;
  const newIndex = new Map(keep.map((orig, i) => [orig, i]));
  const p = perm.filter((a) => shape[a] !== 1).map((a) => newIndex.get(a)!);
  const dims = keep.map((i) => shape[i]!);
  // Merge runs of consecutive input dims that stay consecutive in the output.
  const groups: number[][] = [];
  for (const a of p) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1]! + 1 === a) last.push(a);
    else groups.push([a]);
  }
  if (groups.length <= 1 || rank === 0) return { kind: 'copy' };
  // Merged input dims, in input order.
  const order = [...groups].sort((g, h) => g[0]! - h[0]!);
  const mergedSize = (g: number[]): number => g.reduce((s, a) => s * dims[a]!, 1);
  const inDims = order.map(mergedSize);
  const inPos = new Map(order.map((g, i) => [g[0]!, i]));
  const outPerm = groups.map((g) => inPos.get(g[0]!)!); // output dim k = merged input dim outPerm[k]
  const n = inDims.length;
  if (n > 9) return undefined;
  const inStrides = new Array<number>(n).fill(1);
  for (let i = n - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * inDims[i + 1]!;
  if (outPerm[n - 1] === n - 1) {
    const inner = inDims[n - 1]!;
    const geometry = new Int32Array(2 + 2 * (n - 1));
    geometry[0] = n - 1;
    for (let k = 0; k < n - 1; k++) {
      geometry[1 + k] = inDims[outPerm[k]!]!;
      geometry[1 + (n - 1) + k] = inStrides[outPerm[k]!]!;
    }
    geometry[1 + 2 * (n - 1)] = inner;
    return { kind: 'rows', geometry };
  }
  const leading = outPerm.slice(0, n - 2).every((a, k) => a === k);
  if (leading && outPerm[n - 2] === n - 1 && outPerm[n - 1] === n - 2) {
    const batch = inDims.slice(0, n - 2).reduce((s, d) => s * d, 1);
    return { kind: 'swap', batch, rows: inDims[n - 2]!, cols: inDims[n - 1]! };
  }
  return undefined;
}

/** A strided block copy for the addon's stridedCopy, with the operands' start offsets (in elements). */
export interface StridedCopyPlan {
  xOffset: number;
  outOffset: number;
  geometry: Int32Array;
}

/**
 * Plans copying a block of shape `dims` that starts at element `xOffset` of x (strides `xStrides`) to
 * element `outOffset` of out (strides `outStrides`): size-1 dims dropped, dims that are contiguous in
 * both operands merged, the innermost contiguous run copied at once. undefined when more than 8 dims remain.
 */
export function stridedCopyPlan(
  dims: readonly number[],
  xStrides: readonly number[],
  outStrides: readonly number[],
  xOffset: number,
  outOffset: number,
): StridedCopyPlan | undefined {
  const d: number[] = [];
  const xs: number[] = [];
  const os: number[] = [];
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
    const last = d.length - 1;
    if (last >= 0 && xs[last] === xStrides[i]! * dims[i]! && os[last] === outStrides[i]! * dims[i]!) {
      d[last] = d[last]! * dims[i]!;
      xs[last] = xStrides[i]!;
      os[last] = outStrides[i]!;
    } else {
      d.push(dims[i]!);
      xs.push(xStrides[i]!);
      os.push(outStrides[i]!);
    }
  }
  let inner = 1;
  if (d.length > 0 && xs[d.length - 1] === 1 && os[d.length - 1] === 1) {
    inner = d.pop()!;
    xs.pop();
    os.pop();
  }
  const rank = d.length;
  if (rank > 8) return undefined;
  const geometry = new Int32Array(2 + 3 * rank);
  geometry[0] = rank;
  for (let i = 0; i < rank; i++) {
    geometry[1 + i] = d[i]!;
    geometry[1 + rank + i] = xs[i]!;
    geometry[1 + 2 * rank + i] = os[i]!;
  }
  geometry[1 + 3 * rank] = inner;
  return { xOffset, outOffset, geometry };
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/**
 * A 'rows' transpose geometry [rank, dims[rank], inputStrides[rank], inner] as a stridedCopy geometry: the
 * output rows are contiguous, so output strides are the row-major strides of [...dims, inner].
 */
export function rowsAsStridedCopy(rows: Int32Array): Int32Array {
  const rank = rows[0]!;
  const inner = rows[1 + 2 * rank]!;
  const g = new Int32Array(2 + 3 * rank);
  g[0] = rank;
  let stride = inner;
  for (let d = rank - 1; d >= 0; d--) {
    g[1 + d] = rows[1 + d]!;
    g[1 + rank + d] = rows[1 + rank + d]!;
    g[1 + 2 * rank + d] = stride;
    stride *= rows[1 + d]!;
  }
  g[1 + 3 * rank] = inner;
  return g;
}
