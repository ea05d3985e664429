import type { Rng } from '@kt/core';
import { KnownAnswers, type Triples } from '../data';

export const SAMPLERS = ['uniform', 'bernoulli'] as const;
export type SamplerKind = (typeof SAMPLERS)[number];

export interface NegativeSamplerOptions {
  kind: SamplerKind;
  /** Negatives per positive. */
  count: number;
  /** Redraw a corruption that is a known training triple (up to `maxTries` draws). */
  filtered: boolean;
  maxTries?: number;
}

/** Negatives of a batch: ids [B·K] row-major, and which end of each positive was corrupted. */
export interface NegativeBatch {
  h: Int32Array;
  r: Int32Array;
  t: Int32Array;
  /** 1 where the head of positive i was replaced, 0 where its tail was. */
  corruptHead: Uint8Array;
}

/**
 * P(corrupt the head) per relation for Bernoulli sampling (Wang et al. 2014, TransH): tph / (tph + hpt),
 * with tph the mean number of tails per head and hpt the mean number of heads per tail of the relation.
 */
export function bernoulliHeadProbabilities(train: Triples, numRelations: number): Float64Array {
  const tails = Array.from({ length: numRelations }, () => new Map<number, number>());
  const heads = Array.from({ length: numRelations }, () => new Map<number, number>());
  for (let i = 0; i < train.h.length; i++) {
    const r = train.r[i]!;
    tails[r]!.set(train.h[i]!, (tails[r]!.get(train.h[i]!) ?? 0) + 1);
    heads[r]!.set(train.t[i]!, (heads[r]!.get(train.t[i]!) ?? 0) + 1);
  }
  const p = new Float64Array(numRelations).fill(0.5);
  for (let r = 0; r < numRelations; r++) {
    if (tails[r]!.size === 0) continue;
    const mean = (m: Map<number, number>): number => [...m.values()].reduce((a, b) => a + b, 0) / m.size;
    const tph = mean(tails[r]!);
    const hpt = mean(heads[r]!);
    p[r] = tph / (tph + hpt);
  }
  return p;
}

/**
 * Head/tail corruption: each positive gets `count` negatives sharing one corrupted end, chosen with
 * probability ½ (uniform) or by the relation's Bernoulli probability; replacement entities are drawn
 * uniformly from core's Rng (the trainer's per-step stream, so a resumed run draws the same ones).
 */
export class NegativeSampler {
  private readonly headProbability: Float64Array | undefined;
  private readonly known: KnownAnswers | undefined;

  constructor(
    train: Triples,
    private readonly numEntities: number,
    numRelations: number,
    private readonly options: NegativeSamplerOptions,
  ) {
    this.headProbability = options.kind === 'bernoulli' ? bernoulliHeadProbabilities(train, numRelations) : undefined;
    this.known = options.filtered ? new KnownAnswers(train) : undefined;
  }

  sample(batch: Triples, rng: Rng): NegativeBatch {
    const b = batch.h.length;
    const k = this.options.count;
    const maxTries = this.options.maxTries ?? 10;
    const out: NegativeBatch = { h: new Int32Array(b * k), r: new Int32Array(b * k), t: new Int32Array(b * k), corruptHead: new Uint8Array(b) };
    for (let i = 0; i < b; i++) {
      const h = batch.h[i]!;
      const r = batch.r[i]!;
      const t = batch.t[i]!;
      const head = rng.next() < (this.headProbability ? this.headProbability[r]! : 0.5);
      out.corruptHead[i] = head ? 1 : 0;
      for (let j = 0; j < k; j++) {
        let e = rng.int(this.numEntities);
        for (let tries = 1; this.known && tries < maxTries && (head ? this.known.has(e, r, t) : this.known.has(h, r, e)); tries++) e = rng.int(this.numEntities);
        const o = i * k + j;
        out.h[o] = head ? e : h;
        out.r[o] = r;
        out.t[o] = head ? t : e;
      }
    }
    return out;
  }
}
