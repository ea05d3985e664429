import { Rng } from '@kt/core';

/**
 * Seeded initial values. Each weight draws from its own stream (a core `Rng` derived from the model seed
 * and the weight's place in the model, see `weightStream`), so a weight's values depend only on the seed,
 * its place and its shape, not on the other layers.
 */

/** Stream ids of `Rng.derive(seed, …)`: one per purpose, so initialisers and dropout never share draws. */
const INIT_STREAM = 0x1417;
export const DROPOUT_STREAM = 0xd40b;
const LAYER_KINDS = { conv: 1, dense: 2, output: 3 } as const;

/** The generator of the initial values of layer `kind``index` (e.g. dense0, conv1, output) of a model with `seed`. */
export function weightStream(seed: number, kind: keyof typeof LAYER_KINDS, index = 0): Rng {
  return Rng.derive(seed, INIT_STREAM, LAYER_KINDS[kind], index);
}

/** He (Kaiming) normal: N(0, 2 / fanIn), for layers followed by ReLU. */
export function heNormal(size: number, fanIn: number, rng: Rng): Float32Array {
  const std = Math.sqrt(2 / fanIn);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal() * std;
  return out;
}

/** Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)), for the logits layer. */
export function glorotUniform(size: number, fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * limit;
  return out;
}

export function zeros(size: number): Float32Array {
  return new Float32Array(size);
}
