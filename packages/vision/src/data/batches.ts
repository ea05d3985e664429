import { Rng } from '@kt/core';
import * as tf from '@tensorflow/tfjs';
import { ClassificationSplit, exampleSize } from './classification-split';

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

/** Stream id of the epoch shuffles: `Rng.derive(seed, BATCH_STREAM, epoch)`. */
const BATCH_STREAM = 0xba7c4;

/** Orders of the most recently used (n, seed, epoch): a few, so a teacher and a learner may alternate. */
const orderCache = new Map<string, Int32Array>();
const ORDER_CACHE_SIZE = 4;

/**
 * The example order of epoch `epoch`: a permutation of 0..n-1 drawn from (seed, epoch) alone, so any
 * epoch can be recomputed (exact resumption). Cached; the returned array is shared, do not modify it.
 */
function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  const key = `${n}:${seed}:${epoch}`;
  let order = orderCache.get(key);
  if (order === undefined) {
    order = Int32Array.from(Rng.derive(seed, BATCH_STREAM, epoch).permutation(n));
    if (orderCache.size >= ORDER_CACHE_SIZE) orderCache.delete(orderCache.keys().next().value as string);
    orderCache.set(key, order);
  }
  return order;
}

/**
 * The examples of batch `index` (0-based) of epoch `epoch` when `n` examples are cut into batches of
 * `batchSize` (the last may be smaller): exactly the `indices` of the `index`-th batch of
 * `batches(split, batchSize, seed, { epoch })`. A pure function of its arguments, so a run resumed at any
 * step sees the same batches; the epoch's permutation is computed once and cached. Returns a copy.
 */
export function batchIndices(n: number, batchSize: number, seed: number, epoch: number, index: number): Int32Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`batchIndices: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`batchIndices: epoch must be a non-negative integer, got ${epoch}`);
  const count = batchCount(n, batchSize);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`batchIndices: batch index ${index} outside the ${count} batches of an epoch`);
  }
  return epochOrder(n, seed, epoch).slice(index * batchSize, Math.min(n, (index + 1) * batchSize));
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
  const order = shuffle ? epochOrder(split.n, seed, epoch) : Int32Array.from({ length: split.n }, (_, i) => i);
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
