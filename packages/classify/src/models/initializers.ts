import { createRandom, mixSeed } from '../data/seeded-random';

/**
 * Seeded initial values. Each weight draws from its own stream seeded by (model seed, weight key),
 * so a weight's values depend only on the seed, its key and its shape, not on the other layers.
 */

/** He (Kaiming) normal: N(0, 2 / fanIn), for layers followed by ReLU. */
export function heNormal(size: number, fanIn: number, seed: number, key: string): Float32Array {
  const random = createRandom(mixSeed(seed, key));
  const std = Math.sqrt(2 / fanIn);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = random.nextNormal() * std;
  return out;
}

/** Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)), for the logits layer. */
export function glorotUniform(size: number, fanIn: number, fanOut: number, seed: number, key: string): Float32Array {
  const random = createRandom(mixSeed(seed, key));
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * random.next() - 1) * limit;
  return out;
}

export function zeros(size: number): Float32Array {
  return new Float32Array(size);
}
