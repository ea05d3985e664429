/** Triples (head, relation, tail) as three parallel id arrays. */
export interface Triples {
  readonly h: Int32Array;
  readonly r: Int32Array;
  readonly t: Int32Array;
}

export function tripleCount(triples: Triples): number {
  return triples.h.length;
}

export function makeTriples(rows: ReadonlyArray<readonly [number, number, number]>): Triples {
  const h = new Int32Array(rows.length);
  const r = new Int32Array(rows.length);
  const t = new Int32Array(rows.length);
  rows.forEach(([a, b, c], i) => {
    h[i] = a;
    r[i] = b;
    t[i] = c;
  });
  return { h, r, t };
}

/** Rows `idx` of `triples`. */
export function selectTriples(triples: Triples, idx: ArrayLike<number>): Triples {
  const n = idx.length;
  const h = new Int32Array(n);
  const r = new Int32Array(n);
  const t = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    h[k] = triples.h[i]!;
    r[k] = triples.r[i]!;
    t[k] = triples.t[i]!;
  }
  return { h, r, t };
}

export function concatTriples(...parts: Triples[]): Triples {
  const n = parts.reduce((s, p) => s + p.h.length, 0);
  const h = new Int32Array(n);
  const r = new Int32Array(n);
  const t = new Int32Array(n);
  let o = 0;
  for (const p of parts) {
    h.set(p.h, o);
    r.set(p.r, o);
    t.set(p.t, o);
    o += p.h.length;
  }
  return { h, r, t };
}

/** A key of (a, b) for maps of known answers: a * 2^21 + b (exact in a double for ids < 2^31). */
export function pairKey(a: number, b: number): number {
  return a * 2097152 + b;
}

/**
 * The known answers of every (head, relation) and (relation, tail) query: the filter of filtered
 * ranking and of filtered negative sampling.
 */
export class KnownAnswers {
  /** (h, r) → tails. */
  readonly tails = new Map<number, number[]>();
  /** (r, t) → heads. */
  readonly heads = new Map<number, number[]>();

  constructor(...parts: Triples[]) {
    const seen = new Set<string>();
    for (const p of parts) {
      for (let i = 0; i < p.h.length; i++) {
        const key = `${p.h[i]} ${p.r[i]} ${p.t[i]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        push(this.tails, pairKey(p.h[i]!, p.r[i]!), p.t[i]!);
        push(this.heads, pairKey(p.r[i]!, p.t[i]!), p.h[i]!);
      }
    }
  }

  tailsOf(h: number, r: number): readonly number[] {
    return this.tails.get(pairKey(h, r)) ?? [];
  }

  headsOf(r: number, t: number): readonly number[] {
    return this.heads.get(pairKey(r, t)) ?? [];
  }

  has(h: number, r: number, t: number): boolean {
    return this.tailsOf(h, r).includes(t);
  }
}

function push(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
