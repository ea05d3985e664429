import * as tf from '@tensorflow/tfjs';
import { sequenceNll, startProgress, type Logger, type Metrics } from '@kt/core';
import type { DecodeConfig } from '../config-schema';
import { corpusBleu, corpusChrf } from '../metrics';
import { beamSearch, greedyDecode, makeSeq2SeqBatch, type Transformer } from '../models';
import type { BpeTokenizer } from '../tokenizer';
import type { EncodedSplit } from './mt-data';
import { SPECIAL_IDS } from './step-batches';

export type DecodeSettings = Pick<DecodeConfig, 'beam' | 'lengthPenalty' | 'maxLen' | 'batchSize'>;

/** How a long translation shows progress: its label (`eval val`, `teacher translation`) and the logger plain lines go to. */
export interface TranslationProgress {
  label: string;
  log?: Logger;
}

/**
 * A `translateIds` batch callback that drives core's progress for `total` sentences: a bar on a terminal,
 * a plain line every few seconds (and at the end) otherwise, nothing when progress is off (`--quiet`).
 */
export function translationProgress(progress: TranslationProgress, total: number): (done: number, total: number) => void {
  const task = startProgress(progress.label, total, { log: progress.log, unit: 'sentences' });
  return (done) => task.update(done);
}

/** Output budget of a batch: at most `maxLen`, 2 × its longest source + 10, and the model's positions. */
export function outputBudget(model: Transformer, longestSource: number, maxLen: number): number {
  return Math.max(1, Math.min(maxLen, 2 * longestSource + 10, model.config.maxLen));
}

/** Sentence indices grouped into batches of similar source length (order restored by the caller). */
function lengthSortedBatches(sources: readonly (readonly number[])[], batchSize: number): number[][] {
  const order = sources.map((_, i) => i).sort((a, b) => sources[a]!.length - sources[b]!.length || a - b);
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}

/**
 * Translates id sequences with greedy decoding (beam 1) or beam search, in length-sorted batches; returns
 * the output ids in input order (no BOS/EOS).
 */
export function translateIds(
  model: Transformer,
  sources: readonly (readonly number[])[],
  decode: DecodeSettings,
  onBatch?: (done: number, total: number) => void,
): number[][] {
  const out: number[][] = new Array<number[]>(sources.length);
  const limit = model.config.maxLen;
  const batches = lengthSortedBatches(sources, decode.batchSize);
  let done = 0;
  for (const batch of batches) {
    const rows = batch.map((i) => sources[i]!.slice(0, limit));
    const longest = Math.max(1, ...rows.map((r) => r.length));
    const width = longest;
    const flat = new Int32Array(rows.length * width).fill(SPECIAL_IDS.padId);
    rows.forEach((r, i) => r.forEach((id, j) => (flat[i * width + j] = id)));
    const src = tf.tensor2d(flat, [rows.length, width], 'int32');
    try {
      const maxLen = outputBudget(model, longest, decode.maxLen);
      const result =
        decode.beam > 1
          ? beamSearch(model, src, { beam: decode.beam, maxLen, lengthPenalty: decode.lengthPenalty })
          : greedyDecode(model, src, { maxLen });
      batch.forEach((index, k) => (out[index] = result.tokens[k]!));
    } finally {
      src.dispose();
    }
    done += batch.length;
    onBatch?.(done, sources.length);
  }
  return out;
}

/** Mean per-token NLL (no label smoothing) of the references under the model, teacher-forced. */
export function referenceNll(model: Transformer, split: EncodedSplit, batchSize: number): number {
  let total = 0;
  let tokens = 0;
  for (const batch of lengthSortedBatches(split.src, batchSize)) {
    const b = makeSeq2SeqBatch(
      batch.map((i) => split.src[i]!),
      batch.map((i) => split.tgt[i]!),
      SPECIAL_IDS,
    );
    const [sum, count] = tf.tidy(() => {
      const logits = model.forward(b.src, b.tgtIn, { training: false });
      const count = tf.sum(b.mask);
      return [sequenceNll(logits, b.tgtOut, b.mask, { reduction: 'sum' }).dataSync()[0]!, count.dataSync()[0]!];
    });
    tf.dispose([b.src, b.tgtIn, b.tgtOut, b.mask]);
    total += sum;
    tokens += count;
  }
  return tokens > 0 ? total / tokens : 0;
}

export interface TranslationScores {
  metrics: Metrics;
  hypotheses: string[];
}

/**
 * Translates a split's sources, detokenises, and scores against the raw references: BLEU and chrF
 * (sacreBLEU defaults), the reference NLL, and decoding speed (`decode_sentences_per_second`). With
 * `progress`, the decoding shows progress (sentences translated) under its label.
 */
export function scoreTranslations(model: Transformer, tokenizer: BpeTokenizer, split: EncodedSplit, decode: DecodeSettings, progress?: TranslationProgress): TranslationScores {
  const t0 = performance.now();
  const ids = translateIds(model, split.src, decode, progress ? translationProgress(progress, split.src.length) : undefined);
  const seconds = (performance.now() - t0) / 1000;
  const hypotheses = ids.map((t) => tokenizer.decode(t));
  const bleu = corpusBleu(hypotheses, [split.refs]).score;
  const chrf = corpusChrf(hypotheses, [split.refs]).score;
  const nll = referenceNll(model, split, decode.batchSize);
  return {
    metrics: { bleu, chrf, nll, decode_sentences_per_second: split.src.length / Math.max(1e-9, seconds) },
    hypotheses,
  };
}
