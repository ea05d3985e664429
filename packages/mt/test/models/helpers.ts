import { registerWasmTrainingKernels, Rng } from '@kt/core';
import * as tf from '@tensorflow/tfjs';
import { disposeDecoderCache, disposeEncoderState, Transformer, type TransformerConfigInput } from '../../src/models';

/** A seeded uniform [0, 1) source for tests: core's generator. */
export function uniformSource(seed: number): () => number {
  const random = Rng.fromSeed(seed);
  return () => random.next();
}

export const tinyConfig: TransformerConfigInput = {
  vocabSize: 17,
  dModel: 16,
  heads: 2,
  ffDim: 32,
  encoderLayers: 2,
  decoderLayers: 2,
  dropout: 0,
  maxLen: 24,
  labelSmoothing: 0.1,
  activation: 'gelu',
  padId: 0,
  bosId: 1,
  eosId: 2,
};

/** Random ids in [3, vocab) of shape [b, t] (no special tokens). */
export function randomIds(rng: () => number, b: number, t: number, vocab: number): number[][] {
  return Array.from({ length: b }, () => Array.from({ length: t }, () => 3 + Math.floor(rng() * (vocab - 3))));
}

export function int2d(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows, undefined, 'int32');
}

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Switches to the wasm backend when it initialises (returns its name), else to cpu. */
export async function useWasmOrCpu(): Promise<string> {
  try {
    require('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      // The training kernels plain wasm lacks (e.g. UnsortedSegmentSum, the gradient of a gather), as kt's backend set-up adds them.
      registerWasmTrainingKernels();
      return 'wasm';
    }
  } catch {
    // fall through to cpu
  }
  await useCpu();
  return 'cpu';
}

/**
 * The reference sampling loop: cached decoding in which every row draws at every step, finished or not (a finished
 * row's token is unused); pick(logits [N, V]) returns the N draws. Returns each row's tokens before EOS.
 */
export function decodeDrawingEveryRow(model: Transformer, src: tf.Tensor2D, maxLen: number, pick: (logits: tf.Tensor2D) => ArrayLike<number>): number[][] {
  const n = src.shape[0];
  const tokens: number[][] = Array.from({ length: n }, () => []);
  const finished = new Array<boolean>(n).fill(false);
  const enc = model.encode(src);
  let cache = model.initDecoderCache(enc);
  let feed = new Array<number>(n).fill(model.config.bosId);
  for (let step = 0; step < maxLen && !finished.every((f) => f); step++) {
    const input = tf.tensor1d(feed, 'int32');
    const out = model.decodeStep(cache, input);
    input.dispose();
    cache = out.cache;
    const next = pick(out.logits);
    out.logits.dispose();
    feed = feed.map((_, i) => {
      const id = next[i]!;
      if (finished[i]) return model.config.padId;
      if (id === model.config.eosId) {
        finished[i] = true;
        return model.config.padId;
      }
      tokens[i]!.push(id);
      return id;
    });
  }
  disposeDecoderCache(cache);
  disposeEncoderState(enc);
  return tokens;
}
