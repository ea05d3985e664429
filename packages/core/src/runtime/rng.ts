/**
 * A small seedable generator (sfc32) whose whole state is four uint32s, so a checkpoint can store
 * it and a resumed run draws the same numbers. `Rng.derive(seed, ...keys)` gives independent
 * streams (e.g. one per step) without storing anything.
 */
export type RngState = [number, number, number, number];

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(state: RngState) {
    [this.a, this.b, this.c, this.d] = state;
  }

  static fromSeed(seed: number): Rng {
    if (!Number.isFinite(seed)) throw new Error(`Rng seed must be a finite number, got ${seed}`);
    const s = Math.floor(seed) >>> 0;
    const rng = new Rng([splitmix32(s), splitmix32(s + 1), splitmix32(s + 2), splitmix32(s + 3) | 1]);
    for (let i = 0; i < 12; i++) rng.nextUint32(); // warm up
    return rng;
  }

  /** An independent stream for (seed, keys…), e.g. `Rng.derive(seed, step)`. */
  static derive(seed: number, ...keys: number[]): Rng {
    let h = splitmix32(Math.floor(seed) >>> 0);
    for (const k of keys) h = splitmix32((h ^ (Math.floor(k) >>> 0)) >>> 0);
    return Rng.fromSeed(h);
  }

  static fromState(state: RngState): Rng {
    if (!Array.isArray(state) || state.length !== 4 || state.some((v) => !Number.isInteger(v))) {
      throw new Error('Rng state must be four integers');
    }
    return new Rng([state[0] >>> 0, state[1] >>> 0, state[2] >>> 0, state[3] >>> 0]);
  }

  getState(): RngState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new Error(`Rng.int needs n > 0, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** A fresh seed for a child computation (e.g. tfjs ops that take a numeric seed). */
  seed(): number {
    return this.nextUint32() % 2147483647;
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** `n` draws from N(0, scale²). */
  normals(n: number, scale = 1): number[] {
    return Array.from({ length: n }, () => this.normal() * scale);
  }

  /** An index drawn with probability proportional to `weights` (non-negative, not all 0): inverse-CDF sampling. */
  categorical(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) {
      if (!(w >= 0)) throw new RangeError(`Rng.categorical needs non-negative weights, got ${w}`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('Rng.categorical needs at least one positive weight');
    const u = this.next() * total;
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i]!;
      if (u < acc) return i;
    }
    let last = weights.length - 1;
    while (weights[last] === 0) last--;
    return last;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}
