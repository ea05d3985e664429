import { MtDataError } from '../data/mt-data-error';
import { pyRemoveWhitespace, pySplit } from './python-text';
import { referenceCountLabel, segmentReferences } from './reference-streams';

// Math's functions as module constants: global lookups are slow inside jest's vm contexts, and these run in hot loops.
const { fround } = Math;

export interface ChrfOptions {
  /** Character n-gram order; default 6. */
  charOrder?: number;
  /** Word n-gram order; default 0 (chrF); 2 gives chrF++. */
  wordOrder?: number;
  /** Recall weight; default 2. */
  beta?: number;
  /** Default false. */
  lowercase?: boolean;
  /** Keep whitespace in character n-grams; default false. */
  whitespace?: boolean;
  /** chrF++.py-style epsilon smoothing instead of sacreBLEU's effective-order averaging; default false. */
  epsSmoothing?: boolean;
}

export interface ChrfScore {
  kind: 'chrf';
  /** 0-100. */
  score: number;
  beta: number;
  charOrder: number;
  wordOrder: number;
  /** Corpus statistics: [hyp, ref, match] per order (chars first, then words). */
  stats: number[];
  /** sacreBLEU-style signature, e.g. `nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no`. */
  signature: string;
}

const PUNCTUATION = new Set(Array.from('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'));

function countNgrams(units: readonly string[], n: number, joiner: string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= units.length; i++) {
    const key = units.slice(i, i + n).join(joiner);
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

/** chrF++'s punctuation splitting of words (sacreBLEU `_remove_punctuation`). */
function splitPunctuation(sentence: string): string[] {
  const out: string[] = [];
  for (const w of pySplit(sentence)) {
    const chars = Array.from(w);
    if (chars.length === 1) out.push(w);
    else if (PUNCTUATION.has(chars[chars.length - 1] as string)) out.push(chars.slice(0, -1).join(''), chars[chars.length - 1] as string);
    else if (PUNCTUATION.has(chars[0] as string)) out.push(chars[0] as string, chars.slice(1).join(''));
    else out.push(w);
  }
  return out;
}

interface ChrfConfig {
  charOrder: number;
  wordOrder: number;
  beta: number;
  whitespace: boolean;
  epsSmoothing: boolean;
}

function extractNgrams(sentence: string, cfg: ChrfConfig): Map<string, number>[] {
  const chars = Array.from(cfg.whitespace ? sentence : pyRemoveWhitespace(sentence));
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= cfg.charOrder; n++) out.push(countNgrams(chars, n, ''));
  if (cfg.wordOrder > 0) {
    const words = splitPunctuation(sentence);
    for (let n = 1; n <= cfg.wordOrder; n++) out.push(countNgrams(words, n, ' '));
  }
  return out;
}

/** chrF from [hyp, ref, match] statistics, exactly as sacreBLEU's `_compute_f_score`. */
export function computeChrf(stats: readonly number[], cfg: Pick<ChrfConfig, 'beta' | 'epsSmoothing'> & { float32?: boolean }): number {
  if (cfg.float32) return computeChrfFloat32(stats, cfg);
  const eps = 1e-16;
  const factor = cfg.beta ** 2;
  const order = stats.length / 3;
  let epsScore = 0;
  let effectiveOrder = 0;
  let avgPrec = 0;
  let avgRec = 0;
  for (let i = 0; i < order; i++) {
    const nHyp = stats[3 * i] as number;
    const nRef = stats[3 * i + 1] as number;
    const nMatch = stats[3 * i + 2] as number;
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    epsScore += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effectiveOrder++;
    }
  }
  if (cfg.epsSmoothing) return (100 * epsScore) / order;
  if (effectiveOrder === 0) {
    avgPrec = 0;
    avgRec = 0;
  } else {
    avgPrec /= effectiveOrder;
    avgRec /= effectiveOrder;
  }
  if (avgPrec + avgRec === 0) return 0;
  return (100 * ((1 + factor) * avgPrec * avgRec)) / (factor * avgPrec + avgRec);
}

/** A number as numpy ≥ 2 types it: a float32 array element, or a Python float (weak: float32 wins). */
interface Typed {
  v: number;
  f32: boolean;
}
const py = (v: number): Typed => ({ v, f32: false });
const op = (a: Typed, b: Typed, g: (x: number, y: number) => number): Typed => {
  const f32 = a.f32 || b.f32;
  return { v: f32 ? fround(g(a.v, b.v)) : g(a.v, b.v), f32 };
};
const add = (a: Typed, b: Typed): Typed => op(a, b, (x, y) => x + y);
const mul = (a: Typed, b: Typed): Typed => op(a, b, (x, y) => x * y);
const div = (a: Typed, b: Typed): Typed => op(a, b, (x, y) => x / y);

/**
 * `_compute_f_score` on float32 statistics (sacreBLEU's bootstrap resampling sums numpy float32 segment stats):
 * each operation with a float32 operand rounds to float32 (NEP 50), the eps branches stay Python floats.
 */
function computeChrfFloat32(stats: readonly number[], cfg: Pick<ChrfConfig, 'beta' | 'epsSmoothing'>): number {
  const eps = py(1e-16);
  const factor = py(cfg.beta ** 2);
  const one = py(1);
  const order = stats.length / 3;
  let score = py(0);
  let effectiveOrder = 0;
  let avgPrec = py(0);
  let avgRec = py(0);
  for (let i = 0; i < order; i++) {
    const nHyp: Typed = { v: fround(stats[3 * i]!), f32: true };
    const nRef: Typed = { v: fround(stats[3 * i + 1]!), f32: true };
    const nMatch: Typed = { v: fround(stats[3 * i + 2]!), f32: true };
    const prec = nHyp.v > 0 ? div(nMatch, nHyp) : eps;
    const rec = nRef.v > 0 ? div(nMatch, nRef) : eps;
    const denom = add(mul(factor, prec), rec);
    score = add(score, denom.v > 0 ? div(mul(mul(add(one, factor), prec), rec), denom) : eps);
    if (nHyp.v > 0 && nRef.v > 0) {
      avgPrec = add(avgPrec, prec);
      avgRec = add(avgRec, rec);
      effectiveOrder++;
    }
  }
  if (cfg.epsSmoothing) return div(mul(py(100), score), py(order)).v;
  if (effectiveOrder === 0) {
    avgPrec = py(0);
    avgRec = py(0);
  } else {
    avgPrec = div(avgPrec, py(effectiveOrder));
    avgRec = div(avgRec, py(effectiveOrder));
  }
  if (add(avgPrec, avgRec).v === 0) return 0;
  const num = mul(mul(add(one, factor), avgPrec), avgRec);
  return mul(py(100), div(num, add(mul(factor, avgPrec), avgRec))).v;
}

/**
 * Corpus chrF identical to sacreBLEU 2.x (defaults: chrF2, character order 6, whitespace removed, no word
 * n-grams, effective-order averaging). With several references, each segment uses the reference with the best
 * sentence-level score (the first on ties); statistics are summed over the corpus.
 */
export function corpusChrf(hyps: readonly string[], refs: readonly (readonly string[])[], options: ChrfOptions = {}): ChrfScore {
  const cfg = chrfConfig(options);
  const order = cfg.charOrder + cfg.wordOrder;
  const perSegment = segmentReferences(hyps, refs);
  const totals = new Array<number>(3 * order).fill(0);
  for (const best of chrfSegmentStats(hyps, refs, options)) best.forEach((v, k) => (totals[k] = (totals[k] as number) + v));
  return {
    kind: 'chrf',
    score: computeChrf(totals, cfg),
    beta: cfg.beta,
    charOrder: cfg.charOrder,
    wordOrder: cfg.wordOrder,
    stats: totals,
    signature: chrfSignature(referenceCountLabel(perSegment), options),
  };
}

function chrfConfig(options: ChrfOptions): ChrfConfig {
  return {
    charOrder: options.charOrder ?? 6,
    wordOrder: options.wordOrder ?? 0,
    beta: options.beta ?? 2,
    whitespace: options.whitespace ?? false,
    epsSmoothing: options.epsSmoothing ?? false,
  };
}

/** chrF from summed segment statistics; `float32` as sacreBLEU's bootstrap computes it. */
export function chrfFromStats(stats: readonly number[], options: ChrfOptions & { float32?: boolean } = {}): number {
  return computeChrf(stats, { ...chrfConfig(options), float32: options.float32 });
}

/** sacreBLEU's chrF signature fields (without `version`), e.g. `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no`. */
export function chrfSignature(nrefs: string, options: ChrfOptions = {}): string {
  const cfg = chrfConfig(options);
  return [
    `nrefs:${nrefs}`,
    `case:${options.lowercase ? 'lc' : 'mixed'}`,
    `eff:${cfg.epsSmoothing ? 'no' : 'yes'}`,
    `nc:${cfg.charOrder}`,
    `nw:${cfg.wordOrder}`,
    `space:${cfg.whitespace ? 'yes' : 'no'}`,
  ].join('|');
}

/**
 * Per-segment chrF statistics: `[hyp, ref, match]` per order of the reference with the best sentence-level
 * score (the first on ties), as sacreBLEU's `_extract_corpus_statistics` keeps them.
 */
export function chrfSegmentStats(hyps: readonly string[], refs: readonly (readonly string[])[], options: ChrfOptions = {}): number[][] {
  if (hyps.length === 0) throw new MtDataError('corpusChrf: no hypotheses');
  const cfg = chrfConfig(options);
  const cased = (s: string): string => (options.lowercase ? s.toLowerCase() : s);
  const perSegment = segmentReferences(hyps, refs);
  return hyps.map((hyp, i) => {
    const hypNgrams = extractNgrams(cased(hyp), cfg);
    let best: number[] = [];
    let bestScore = -1;
    for (const ref of perSegment[i] as string[]) {
      const refNgrams = extractNgrams(cased(ref), cfg);
      const stats: number[] = [];
      hypNgrams.forEach((h, k) => {
        const r = refNgrams[k] as Map<string, number>;
        let hypCount = 0;
        let matchCount = 0;
        let refCount = 0;
        for (const [g, c] of h) {
          hypCount += c;
          const rc = r.get(g);
          if (rc !== undefined) matchCount += Math.min(c, rc);
        }
        for (const c of r.values()) refCount += c;
        stats.push(r.size > 0 ? hypCount : 0, refCount, matchCount);
      });
      const f = computeChrf(stats, cfg);
      if (f > bestScore) {
        bestScore = f;
        best = stats;
      }
    }
    return best;
  });
}
