import { registerWasmTrainingKernels, Rng } from '@kt/core';
import * as tf from '@tensorflow/tfjs';
import { TransformerConfigInput } from '../../src/models';

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
