import * as tf from '@tensorflow/tfjs';
import { sequenceNll } from '@kt/core';
import {
  greedyDecode,
  makeSeq2SeqBatch,
  teacherForcedLogits,
  Transformer,
  TransformerConfigInput,
} from '../../src/models';
import { uniformSource, useWasmOrCpu } from './helpers';

// Training is ~4x faster on wasm than on the pure-JS cpu backend (≈1,500 small kernels per step, op overhead
// dominates); wasm also proves the embedding trains there without an UnsortedSegmentSum kernel.
let backend = 'cpu';
beforeAll(async () => {
  backend = await useWasmOrCpu();
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const config: TransformerConfigInput = {
  vocabSize: 11, // pad, bos, eos + 8 symbols
  dModel: 32,
  heads: 2,
  ffDim: 64,
  encoderLayers: 1,
  decoderLayers: 1,
  dropout: 0,
  maxLen: 12,
  labelSmoothing: 0,
  activation: 'relu',
};

function reverseTask(rng: () => number, n: number): { src: number[][]; tgt: number[][] } {
  const src = Array.from({ length: n }, () =>
    Array.from({ length: 3 + Math.floor(rng() * 3) }, () => 3 + Math.floor(rng() * 8)),
  );
  return { src, tgt: src.map((s) => [...s].reverse()) };
}

describe('training', () => {
  it('a tiny model learns to reverse short sequences with Adam; no tensor growth across steps or decodes', () => {
    expect(['wasm', 'cpu']).toContain(backend);
    const model = new Transformer(config, 1);
    const optimizer = tf.train.adam(0.01);
    const rng = uniformSource(123);
    const losses: number[] = [];
    let countAfterFirst = -1;
    const steps = 400;
    for (let step = 0; step < steps; step++) {
      const data = reverseTask(rng, 32);
      const batch = makeSeq2SeqBatch(data.src, data.tgt, model.config);
      const loss = optimizer.minimize(
        () => sequenceNll(teacherForcedLogits(model, batch, { training: true }), batch.tgtOut, batch.mask) as tf.Scalar,
        true,
        model.trainableVariables(),
      );
      losses.push(loss!.dataSync()[0]);
      tf.dispose([loss!, batch.src, batch.tgtIn, batch.tgtOut, batch.mask]);
      if (step === 0) countAfterFirst = tf.memory().numTensors; // Adam slots exist from here on
      else expect(tf.memory().numTensors).toBe(countAfterFirst);
    }
    const early = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const late = losses.slice(-10).reduce((a, b) => a + b) / 10;
    expect(early).toBeGreaterThan(1.5);
    expect(late).toBeLessThan(0.25);
    expect(early / late).toBeGreaterThan(8);

    const test = reverseTask(uniformSource(999), 24);
    const srcT = makeSeq2SeqBatch(test.src, test.tgt, model.config);
    const beforeDecode = tf.memory().numTensors;
    const out = greedyDecode(model, srcT.src, { maxLen: 8 });
    expect(tf.memory().numTensors).toBe(beforeDecode);
    const exact = out.tokens.filter((t, i) => JSON.stringify(t) === JSON.stringify(test.tgt[i])).length;
    expect(exact / test.tgt.length).toBeGreaterThanOrEqual(0.75);
    expect(late).toBeLessThan(0.1);
    expect(out.finished.every((f) => f)).toBe(true);
    tf.dispose([srcT.src, srcT.tgtIn, srcT.tgtOut, srcT.mask]);
    optimizer.dispose();
    model.dispose();
  }, 120_000);
});
