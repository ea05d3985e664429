/**
 * A classification data set held as plain typed arrays (no tensors, so nothing can leak).
 * Example i occupies x[i*d .. (i+1)*d) with d = product(shape); its label is y[i] in [0, numClasses).
 */
export interface ClassificationSplit {
  x: Float32Array;
  y: Int32Array;
  n: number;
  /** Per-example shape, e.g. [28, 28, 1] for MNIST or [64] for flat features. */
  shape: number[];
  numClasses: number;
}

/** Number of features per example (product of `shape`). */
export function exampleSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A new split holding the examples at `indices`, in that order (data copied). */
export function selectExamples(split: ClassificationSplit, indices: ArrayLike<number>): ClassificationSplit {
  const d = exampleSize(split.shape);
  const n = indices.length;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= split.n) throw new RangeError(`example index ${i} out of range [0, ${split.n})`);
    x.set(split.x.subarray(i * d, (i + 1) * d), k * d);
    y[k] = split.y[i];
  }
  return { x, y, n, shape: [...split.shape], numClasses: split.numClasses };
}

/** Count of examples per class (length numClasses). */
export function classCounts(split: ClassificationSplit): number[] {
  const counts = new Array<number>(split.numClasses).fill(0);
  for (let i = 0; i < split.n; i++) counts[split.y[i]]++;
  return counts;
}
