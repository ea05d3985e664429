import { Rng } from '@kt/core';
import { MtDataError } from './mt-data-error';

export interface LengthBatchOptions {
  /** Seed of the example shuffle and of the batch-order shuffle. */
  seed: number;
  /** Most examples in a batch. At least one of batchSize / maxTokens is required. */
  batchSize?: number;
  /** Token budget of a batch counted with padding: examples x longest length. */
  maxTokens?: number;
  /** Examples sorted together by length; default 64 batches' worth (or 4096 with a token budget only). */
  chunkSize?: number;
  /** Shuffle examples before chunking and batches afterwards; default true. */
  shuffle?: boolean;
}

/**
 * Groups example indices into batches of similar length ("bucketing"): the examples are shuffled with the
 * seed, cut into chunks, each chunk is sorted by length, batches are cut greedily under the batch size and/or
 * the padded token budget, and the batch order is shuffled with the seed. `lengths[i]` is the length of
 * example i (for a sentence pair, the longer side). Every index appears in exactly one batch; an example
 * longer than the token budget gets a batch of its own.
 */
export function makeLengthBatches(lengths: readonly number[], options: LengthBatchOptions): number[][] {
  const { batchSize, maxTokens } = options;
  if (batchSize === undefined && maxTokens === undefined) {
    throw new MtDataError('makeLengthBatches: give batchSize, maxTokens or both');
  }
  if ((batchSize !== undefined && !(batchSize >= 1)) || (maxTokens !== undefined && !(maxTokens >= 1))) {
    throw new MtDataError(`makeLengthBatches: batchSize and maxTokens must be >= 1 (got ${batchSize}, ${maxTokens})`);
  }
  const shuffle = options.shuffle ?? true;
  const chunkSize = Math.max(1, options.chunkSize ?? (batchSize !== undefined ? batchSize * 64 : 4096));
  const random = Rng.fromSeed(options.seed);
  const order = lengths.map((_, i) => i);
  if (shuffle) random.shuffle(order);

  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += chunkSize) {
    const chunk = order.slice(start, start + chunkSize);
    chunk.sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
    let current: number[] = [];
    let longest = 0;
    for (const index of chunk) {
      const len = lengths[index] as number;
      const nextLongest = Math.max(longest, len);
      const overSize = batchSize !== undefined && current.length + 1 > batchSize;
      const overTokens = maxTokens !== undefined && (current.length + 1) * nextLongest > maxTokens;
      if (current.length > 0 && (overSize || overTokens)) {
        batches.push(current);
        current = [];
        longest = 0;
      }
      current.push(index);
      longest = Math.max(longest, len);
    }
    if (current.length > 0) batches.push(current);
  }
  if (shuffle) random.shuffle(batches);
  return batches;
}

/**
 * Fraction of padding cells when each batch is padded to its longest member, summed over one or more
 * length streams (e.g. `[srcLengths, tgtLengths]`): padded cells / all cells, in [0, 1).
 */
export function paddingFraction(
  batches: readonly (readonly number[])[],
  lengthStreams: readonly (readonly number[])[],
): number {
  let cells = 0;
  let real = 0;
  for (const lengths of lengthStreams) {
    for (const batch of batches) {
      let longest = 0;
      for (const i of batch) {
        const len = lengths[i];
        if (len === undefined) throw new MtDataError(`paddingFraction: index ${i} has no length`);
        longest = Math.max(longest, len);
        real += len;
      }
      cells += longest * batch.length;
    }
  }
  return cells === 0 ? 0 : (cells - real) / cells;
}
