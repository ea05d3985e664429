/*
 * numpy's default generator, `np.random.default_rng(seed)`, reproduced draw for draw: SeedSequence entropy
 * mixing (numpy/random/bit_generator.pyx), the PCG64 bit generator (XSL-RR 128/64, numpy/random/src/pcg64)
 * and the two samplers sacreBLEU's significance tests use — `integers(0, n)` (Lemire's bounded method on
 * 32-bit draws, numpy/random/src/distributions/distributions.c) and `integers(2, dtype=bool)` (one bit of a
 * buffered 32-bit draw each). Checked against numpy 2.x by the metric tests.
 */

// Math's functions as module constants: global lookups are slow inside jest's vm contexts, and these run in hot loops.
const { imul, round } = Math;

const MASK32 = 0xffffffff;
const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;

// bit_generator.pyx constants.
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16;
const POOL_SIZE = 4;

/** uint32 multiply (mod 2^32). */
const mul32 = (a: number, b: number): number => imul(a, b) >>> 0;

/** `SeedSequence(seed).generate_state(words, np.uint32)` for a non-negative integer seed. */
export function seedSequenceState(seed: number | bigint, words: number): number[] {
  // _coerce_to_uint32_array: the integer's 32-bit words, least significant first (0 -> [0]).
  let rest = BigInt(seed);
  if (rest < 0n) throw new RangeError('seed must be non-negative');
  const entropy: number[] = [];
  do {
    entropy.push(Number(rest & 0xffffffffn));
    rest >>= 32n;
  } while (rest > 0n);
  // mix_entropy
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    let v = (value ^ hashConst) >>> 0;
    hashConst = mul32(hashConst, MULT_A);
    v = mul32(v, hashConst);
    return (v ^ (v >>> XSHIFT)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (mul32(MIX_MULT_L, x) - mul32(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> XSHIFT)) >>> 0;
  };
  const pool = new Array<number>(POOL_SIZE);
  for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < entropy.length ? entropy[i]! : 0);
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) if (src !== dst) pool[dst] = mix(pool[dst]!, hashmix(pool[src]!));
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst]!, hashmix(entropy[src]!));
  }
  // generate_state
  let hashB = INIT_B;
  const out: number[] = [];
  for (let i = 0; i < words; i++) {
    let v = (pool[i % POOL_SIZE]! ^ hashB) >>> 0;
    hashB = mul32(hashB, MULT_B);
    v = mul32(v, hashB);
    out.push((v ^ (v >>> XSHIFT)) >>> 0);
  }
  return out;
}

const PCG_MULT = (0x2360ed051fc65da4n << 64n) | 0x4385df649fccf645n;

/** numpy's PCG64 bit generator seeded as `np.random.default_rng(seed)` seeds it. */
export class Pcg64 {
  private state: bigint;
  private readonly inc: bigint;
  private halfReady = false;
  private half = 0;

  constructor(seed: number | bigint) {
    // generate_state(4, uint64): little-endian pairs of uint32 words; seed = words 0-1 (high 64 bits first), inc = 2-3.
    const w = seedSequenceState(seed, 8).map(BigInt);
    const u64 = (k: number): bigint => (w[2 * k + 1]! << 32n) | w[2 * k]!;
    const initState = (u64(0) << 64n) | u64(1);
    const initSeq = (u64(2) << 64n) | u64(3);
    // pcg_setseq_128_srandom_r
    this.inc = ((initSeq << 1n) | 1n) & MASK128;
    this.state = 0n;
    this.step();
    this.state = (this.state + initState) & MASK128;
    this.step();
  }

  private step(): void {
    this.state = (this.state * PCG_MULT + this.inc) & MASK128;
  }

  /** One 64-bit output: step, then XSL-RR of the new state. */
  nextUint64(): bigint {
    this.step();
    const hi = this.state >> 64n;
    const x = (hi ^ this.state) & MASK64;
    const rot = hi >> 58n;
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & MASK64;
  }

  /** numpy's next_uint32 of PCG64: the low half of a 64-bit draw, then its high half. */
  nextUint32(): number {
    if (this.halfReady) {
      this.halfReady = false;
      return this.half;
    }
    const next = this.nextUint64();
    this.halfReady = true;
    this.half = Number(next >> 32n);
    return Number(next & 0xffffffffn);
  }
}

/** `np.random.default_rng(seed)`'s samplers that sacreBLEU uses. */
export class NumpyGenerator {
  private readonly bits: Pcg64;

  constructor(seed: number | bigint) {
    this.bits = new Pcg64(seed);
  }

  /**
   * `integers(0, n, size=count)` (also `choice(n, size, replace=True)`): Lemire's bounded draw on 32-bit outputs
   * (n ≤ 2^32), row-major order of `size`.
   */
  integers(n: number, count: number): Int32Array {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 31) throw new RangeError(`integers: bad bound ${n}`);
    const out = new Int32Array(count);
    if (n === 1) return out;
    const rng = n - 1;
    const rngExcl = n;
    const threshold = (MASK32 - rng) % rngExcl;
    for (let i = 0; i < count; i++) {
      // m = draw * rngExcl as a 64-bit product; leftover = its low 32 bits, result its high 32 bits.
      let draw = this.bits.nextUint32();
      let leftover = mul32(draw, rngExcl);
      if (leftover < rngExcl) {
        while (leftover < threshold) {
          draw = this.bits.nextUint32();
          leftover = mul32(draw, rngExcl);
        }
      }
      // The high 32 bits of the exact product: (draw·n − low bits) / 2^32 is an integer; the float error is < 2^11.
      out[i] = round((draw * rngExcl - leftover) / 2 ** 32);
    }
    return out;
  }

  /** `integers(2, size=count, dtype=bool)`: bit 0, 1, … 31 of one 32-bit draw, then the next draw. */
  booleans(count: number): Uint8Array {
    const out = new Uint8Array(count);
    let buf = 0;
    let left = 0;
    for (let i = 0; i < count; i++) {
      if (left === 0) {
        buf = this.bits.nextUint32();
        left = 31;
      } else {
        buf >>>= 1;
        left -= 1;
      }
      out[i] = buf & 1;
    }
    return out;
  }
}
