import type * as tf from '@tensorflow/tfjs';
import { Rng } from '@kt/core';
import { makeLengthBatches } from '../data';
import { makeSeq2SeqBatch, type Seq2SeqBatch } from '../models';
import { BOS_ID, EOS_ID, PAD_ID } from '../tokenizer';
import type { EncodedSplit } from './mt-data';

export const SPECIAL_IDS = { padId: PAD_ID, bosId: BOS_ID, eosId: EOS_ID } as const;

/** A teacher-forcing batch with its target mask and the indices of its sentences. */
export type IndexedBatch = Seq2SeqBatch & { mask: tf.Tensor2D; indices: number[] };

/**
 * The batch of every training step as a pure function of the step: length-bucketed batches are cut once
 * (makeLengthBatches with the training seed); step s uses batch `order_e[s mod n]` of epoch e = ⌊s / n⌋,
 * where `order_e` is a permutation drawn from (seed, e). A resumed run therefore sees exactly the batches
 * an uninterrupted one would.
 */
export class StepBatches {
  private readonly batches: number[][];
  private orderEpoch = -1;
  private order: number[] = [];

  constructor(
    private readonly split: EncodedSplit,
    private readonly options: { seed: number; batchSize: number; maxTokens?: number },
  ) {
    const lengths = split.src.map((s, i) => Math.max(s.length, (split.tgt[i]?.length ?? 0) + 1));
    this.batches = makeLengthBatches(lengths, { seed: options.seed, batchSize: options.batchSize, maxTokens: options.maxTokens });
  }

  /** Batches in one epoch (= steps per epoch). */
  get count(): number {
    return this.batches.length;
  }

  /** Sentence indices of the batch used at `step`. */
  indicesAt(step: number): number[] {
    const n = this.batches.length;
    const epoch = Math.floor(step / n);
    if (epoch !== this.orderEpoch) {
      this.order = Rng.derive(this.options.seed, 0xba7c4, epoch).permutation(n);
      this.orderEpoch = epoch;
    }
    return this.batches[this.order[step % n]!]!;
  }

  /** The tensors of the batch used at `step` (caller disposes src, tgtIn, tgtOut and mask). */
  batchAt(step: number, targets: readonly (readonly number[])[] = this.split.tgt): IndexedBatch {
    const indices = this.indicesAt(step);
    const batch = makeSeq2SeqBatch(
      indices.map((i) => this.split.src[i]!),
      indices.map((i) => targets[i]!),
      SPECIAL_IDS,
    );
    return { ...batch, indices };
  }
}

/** Measures training throughput between consecutive steps (prepareStep to prepareStep), excluding evaluations. */
export class StepTimer {
  private started: number | undefined;
  private pendingTokens = 0;
  private steps = 0;
  private tokens = 0;
  private ms = 0;

  /** A step begins (closing the previous one); `tokens` = target tokens it trains on. */
  begin(tokens: number): void {
    this.end();
    this.started = performance.now();
    this.pendingTokens = tokens;
  }

  /** Closes the running step, if any (call before evaluations). */
  end(): void {
    if (this.started === undefined) return;
    this.ms += performance.now() - this.started;
    this.tokens += this.pendingTokens;
    this.steps += 1;
    this.started = undefined;
  }

  /** Throughput so far: target tokens per second and milliseconds per step (undefined before a step ends). */
  summary(): { tokensPerSecond: number; msPerStep: number } | undefined {
    if (this.steps === 0 || this.ms <= 0) return undefined;
    return { tokensPerSecond: (this.tokens * 1000) / this.ms, msPerStep: this.ms / this.steps };
  }
}
