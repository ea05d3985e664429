import * as tf from '@tensorflow/tfjs';
import { ClassificationSplit, exampleSize } from './classification-split';
import { mixSeed, permutation } from './seeded-random';

export interface Batch {
  /** n * product(shape) features, row-major. */
  x: Float32Array;
  /** n labels. */
  y: Int32Array;
  n: number;
  /** Which examples of the split are in this batch. */
  indices: Int32Array;
}

export interface BatchOptions {
  /** Epoch number mixed into the seed, so every epoch has its own (reproducible) order. Default 0. */
  epoch?: number;
  /** Shuffle the examples (default true); false gives them in order. */
  shuffle?: boolean;
  /** Drop a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
}

/** The seed of one epoch's shuffle: batches(split, b, seed, { epoch }) uses exactly this. */
export function epochSeed(seed: number, epoch: number): number {
  return mixSeed(seed, 'epoch', epoch);
}

/**
 * One epoch of mini-batches (data copied out of the split): a seeded permutation of the examples cut
 * into batches of `batchSize` (the last may be smaller unless dropLast). Plain arrays; see toTensors.
 */
export function* batches(
  split: ClassificationSplit,
  batchSize: number,
  seed: number,
  options: BatchOptions = {},
): Generator<Batch, void, undefined> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const { epoch = 0, shuffle = true, dropLast = false } = options;
  const order = shuffle ? permutation(split.n, epochSeed(seed, epoch)) : Int32Array.from({ length: split.n }, (_, i) => i);
  const d = exampleSize(split.shape);
  for (let start = 0; start < split.n; start += batchSize) {
    const n = Math.min(batchSize, split.n - start);
    if (dropLast && n < batchSize) return;
    const indices = order.slice(start, start + n);
    const x = new Float32Array(n * d);
    const y = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      x.set(split.x.subarray(i * d, (i + 1) * d), k * d);
      y[k] = split.y[i];
    }
    yield { x, y, n, indices };
  }
}

/** Number of batches batches() yields. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * A batch (or a whole split) as tensors: x float32 of shape [n, ...shape], y int32 of shape [n].
 * The caller owns both and must dispose them (or create them inside tf.tidy).
 */
export function toTensors(
  batch: { x: Float32Array; y: Int32Array; n: number },
  shape: readonly number[],
): { x: tf.Tensor; y: tf.Tensor1D } {
  const d = exampleSize(shape);
  if (batch.x.length !== batch.n * d) {
    throw new RangeError(`toTensors: x has ${batch.x.length} values, expected n * ${d} = ${batch.n * d}`);
  }
  return { x: tf.tensor(batch.x, [batch.n, ...shape], 'float32'), y: tf.tensor1d(batch.y, 'int32') };
}
