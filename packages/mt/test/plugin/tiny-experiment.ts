import type { RawConfig } from '@kt/core';

/** A tiny, fast experiment: 80 synthetic pairs, d=16 models, a few steps; `extra` replaces whole top-level sections. */
export function tinyRaw(task: string, extra: RawConfig = {}): RawConfig {
  return {
    name: `tiny-${task}`,
    plugin: 'mt',
    task,
    backend: 'wasm',
    data: { source: 'synthetic', n: 80, evalN: 6, seed: 3, maxLen: 30 },
    tokenizer: { vocabSize: 70, minFrequency: 2 },
    teacher: {
      model: { dModel: 16, heads: 2, ffDim: 32, encoderLayers: 1, decoderLayers: 1, dropout: 0 },
      train: { steps: 6, batchSize: 16, lr: 0.01, logEvery: 100 },
      seed: 1,
    },
    learner: { model: { dModel: 16, heads: 2, ffDim: 16, encoderLayers: 1, decoderLayers: 1, dropout: 0 } },
    kd: { seqBeam: 2, maxSampleLen: 12 },
    decode: { beam: 1, maxLen: 12, batchSize: 8 },
    train: { steps: 3, batchSize: 16, lr: 0.01, logEvery: 100 },
    ...extra,
  };
}
