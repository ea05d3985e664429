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
