import * as crypto from 'crypto';
import { Rng } from '@kt/core';
import type { FinetuneDataConfig } from '../config-schema';

/** One split: `n` rows of `features` values (row-major) and an integer label per row. */
export interface SyntheticSplit {
  readonly n: number;
  readonly x: Float32Array;
  readonly y: Int32Array;
}

export interface SyntheticData {
  readonly features: number;
  readonly classes: number;
  readonly train: SyntheticSplit;
  readonly val: SyntheticSplit;
  readonly test: SyntheticSplit;
  /**
   * sha256 of the splits' *content* (shapes, features and labels), not of the settings that made them:
   * teacher caches are keyed by it, so the same data reached another way still hits the cache.
   */
  readonly contentHash: string;
}

/** Draws a class from softmax(`logits`) with one uniform number of `rng` (inverse CDF). */
export function sampleClass(logits: readonly number[], rng: Rng): number {
  const top = Math.max(...logits);
  const weights = logits.map((l) => Math.exp(l - top));
  let u = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let k = 0; k < weights.length - 1; k++) {
    u -= weights[k]!;
    if (u < 0) return k;
  }
  return weights.length - 1;
}

function makeSplit(n: number, features: number, classes: number, w: Float32Array, rng: Rng): SyntheticSplit {
  const x = new Float32Array(n * features);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < features; f++) x[r * features + f] = rng.normal();
    const logits = Array.from({ length: classes }, (_, c) => {
      let z = 0;
      for (let f = 0; f < features; f++) z += x[r * features + f]! * w[f * classes + c]!;
      return z;
    });
    y[r] = sampleClass(logits, rng);
  }
  return { n, x, y };
}

/** sha256 (hex, 16 characters) of the shapes and the bytes of every split. */
export function syntheticContentHash(data: Omit<SyntheticData, 'contentHash'>): string {
  const hash = crypto.createHash('sha256').update(JSON.stringify({ features: data.features, classes: data.classes }));
  for (const split of [data.train, data.val, data.test]) hash.update(`|${split.n}|`).update(split.x).update(split.y);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Seeded Gaussian features whose labels are sampled from softmax(x·W), W ~ N(0, sourceScale²): a
 * source with known label noise, all drawn from core's `Rng` (the same `data.seed` gives the same bytes).
 */
export function createSyntheticData(cfg: FinetuneDataConfig): SyntheticData {
  const rng = Rng.derive(cfg.seed, 0xda7a);
  const w = Float32Array.from({ length: cfg.features * cfg.classes }, () => rng.normal() * cfg.sourceScale);
  const splits = {
    features: cfg.features,
    classes: cfg.classes,
    train: makeSplit(cfg.trainSize, cfg.features, cfg.classes, w, rng),
    val: makeSplit(cfg.valSize, cfg.features, cfg.classes, w, rng),
    test: makeSplit(cfg.testSize, cfg.features, cfg.classes, w, rng),
  };
  return { ...splits, contentHash: syntheticContentHash(splits) };
}
