import { MtDataError } from '../data/mt-data-error';
import { pyRemoveWhitespace, pySplit } from './python-text';
import { referenceCountLabel, segmentReferences } from './reference-streams';

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
export function computeChrf(stats: readonly number[], cfg: Pick<ChrfConfig, 'beta' | 'epsSmoothing'>): number {
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

/**
 * Corpus chrF identical to sacreBLEU 2.x (defaults: chrF2, character order 6, whitespace removed, no word
 * n-grams, effective-order averaging). With several references, each segment uses the reference with the best
 * sentence-level score (the first on ties); statistics are summed over the corpus.
 */
export function corpusChrf(hyps: readonly string[], refs: readonly (readonly string[])[], options: ChrfOptions = {}): ChrfScore {
  if (hyps.length === 0) throw new MtDataError('corpusChrf: no hypotheses');
  const cfg: ChrfConfig = {
    charOrder: options.charOrder ?? 6,
    wordOrder: options.wordOrder ?? 0,
    beta: options.beta ?? 2,
    whitespace: options.whitespace ?? false,
    epsSmoothing: options.epsSmoothing ?? false,
  };
  const order = cfg.charOrder + cfg.wordOrder;
  const cased = (s: string): string => (options.lowercase ? s.toLowerCase() : s);
  const perSegment = segmentReferences(hyps, refs);
  const totals = new Array<number>(3 * order).fill(0);
  hyps.forEach((hyp, i) => {
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
    best.forEach((v, k) => (totals[k] = (totals[k] as number) + v));
  });
  const signature = [
    `nrefs:${referenceCountLabel(perSegment)}`,
    `case:${options.lowercase ? 'lc' : 'mixed'}`,
    `eff:${cfg.epsSmoothing ? 'no' : 'yes'}`,
    `nc:${cfg.charOrder}`,
    `nw:${cfg.wordOrder}`,
    `space:${cfg.whitespace ? 'yes' : 'no'}`,
  ].join('|');
  return {
    kind: 'chrf',
    score: computeChrf(totals, cfg),
    beta: cfg.beta,
    charOrder: cfg.charOrder,
    wordOrder: cfg.wordOrder,
    stats: totals,
    signature,
  };
}
