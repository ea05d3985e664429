import { MtDataError } from '../data/mt-data-error';
import { pyRstrip, pySplit } from './python-text';
import { referenceCountLabel, segmentReferences } from './reference-streams';
import { BLEU_TOKENIZERS, type BleuTokenizerName } from './bleu-tokenizers';

// Math's functions as module constants: global lookups are slow inside jest's vm contexts, and these run in hot loops.
const { abs, exp, fround, log } = Math;

export type BleuSmoothMethod = 'exp' | 'floor' | 'add-k' | 'none';
export type { BleuTokenizerName };

export interface BleuOptions {
  /** Default false. */
  lowercase?: boolean;
  /** Default '13a' (also 'intl', 'char', 'zh', 'none'). */
  tokenize?: BleuTokenizerName;
  /** Default 'exp'. */
  smoothMethod?: BleuSmoothMethod;
  /** For 'floor' (default 0.1) and 'add-k' (default 1). */
  smoothValue?: number;
  /** Default 4. */
  maxNgramOrder?: number;
  /** Default false (the corpus-level default of sacreBLEU). */
  effectiveOrder?: boolean;
}

export interface BleuScore {
  kind: 'bleu';
  /** 0-100. */
  score: number;
  /** Matched n-grams per order (after add-k smoothing, as sacreBLEU reports them). */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
  /** n-gram precisions in percent. */
  precisions: number[];
  bp: number;
  sysLen: number;
  refLen: number;
  /** sysLen / refLen (0 when refLen is 0). */
  ratio: number;
  /** sacreBLEU-style signature, e.g. `nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp`. */
  signature: string;
}

const SMOOTH_DEFAULTS: Record<BleuSmoothMethod, number | undefined> = {
  none: undefined,
  floor: 0.1,
  'add-k': 1,
  exp: undefined,
};

/** sacreBLEU's my_log: log, with log(0) floored to -9999999999. */
function myLog(x: number): number {
  return x === 0 ? -9999999999 : log(x);
}

function wordNgrams(tokens: readonly string[], maxOrder: number): Map<string, number>[] {
  const maps: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = tokens.slice(i, i + n).join(' ');
      m.set(key, (m.get(key) ?? 0) + 1);
    }
    maps.push(m);
  }
  return maps;
}

function closestRefLength(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1;
  let closestLen = -1;
  for (const len of refLens) {
    const diff = abs(hypLen - len);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = len;
    } else if (diff === closestDiff && len < closestLen) {
      closestLen = len;
    }
  }
  return closestLen;
}

/** Sufficient statistics of BLEU from summed counts, exactly as sacreBLEU's `compute_bleu`. */
export function computeBleu(
  correctIn: readonly number[],
  totalIn: readonly number[],
  sysLen: number,
  refLen: number,
  options: Pick<BleuOptions, 'smoothMethod' | 'smoothValue' | 'effectiveOrder'> & {
    /**
     * The n-gram counts are numpy float32 (as in sacreBLEU's bootstrap resampling, which sums float32 segment
     * statistics): precisions are then float32 products and quotients, as numpy ≥ 2 computes them.
     */
    float32?: boolean;
  } = {},
): Omit<BleuScore, 'kind' | 'signature'> {
  const f = options.float32 ? fround : (x: number): number => x;
  const method = options.smoothMethod ?? 'exp';
  const smoothValue = options.smoothValue ?? SMOOTH_DEFAULTS[method] ?? 0;
  const maxOrder = correctIn.length;
  const correct = [...correctIn];
  const total = [...totalIn];
  const bp = sysLen < refLen ? (sysLen > 0 ? exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxOrder).fill(0);
  const ratio = refLen ? sysLen / refLen : 0;
  const result = { counts: correct, totals: total, precisions, bp, sysLen, refLen, ratio };
  if (!correct.some((c) => c !== 0)) return { score: 0, ...result };

  let smoothMteval = 1;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (method === 'add-k' && n > 1) {
      correct[n - 1] = f((correct[n - 1] as number) + smoothValue);
      total[n - 1] = f((total[n - 1] as number) + smoothValue);
    }
    const tot = total[n - 1] as number;
    const cor = correct[n - 1] as number;
    if (tot === 0) break;
    if (options.effectiveOrder) effOrder = n;
    if (cor === 0) {
      if (method === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = f(100 / f(smoothMteval * tot));
      } else if (method === 'floor') {
        precisions[n - 1] = f(f(100 * smoothValue) / tot);
      }
    } else {
      precisions[n - 1] = f(f(100 * cor) / tot);
    }
  }
  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += myLog(precisions[i] as number);
  return { score: bp * exp(logSum / effOrder), ...result };
}

/** Per-segment sufficient statistics of BLEU: `[hypLen, refLen, correct_1..N, total_1..N]` (sacreBLEU's layout). */
export function bleuSegmentStats(hyps: readonly string[], refs: readonly (readonly string[])[], options: BleuOptions = {}): number[][] {
  if (hyps.length === 0) throw new MtDataError('corpusBleu: no hypotheses');
  const maxOrder = options.maxNgramOrder ?? 4;
  if (!Number.isInteger(maxOrder) || maxOrder < 1) throw new MtDataError(`corpusBleu: bad maxNgramOrder ${maxOrder}`);
  const tokenize = BLEU_TOKENIZERS[options.tokenize ?? '13a'];
  if (tokenize === undefined) throw new MtDataError(`corpusBleu: unknown tokenizer ${String(options.tokenize)}`);
  // BLEU._preprocess_segment: lowercase (optionally), then tokenise the right-stripped sentence.
  const preprocess = (s: string): string => tokenize(pyRstrip(options.lowercase ? s.toLowerCase() : s));
  const perSegment = segmentReferences(hyps, refs);
  return hyps.map((hyp, i) => {
    const refMaps: Map<string, number>[] = [];
    const refLens: number[] = [];
    for (const ref of perSegment[i] as string[]) {
      const tokens = pySplit(preprocess(ref));
      refLens.push(tokens.length);
      wordNgrams(tokens, maxOrder).forEach((m, n) => {
        const merged = refMaps[n] ?? (refMaps[n] = new Map());
        for (const [g, c] of m) merged.set(g, Math.max(merged.get(g) ?? 0, c));
      });
    }
    const hypTokens = pySplit(preprocess(hyp));
    const correct = new Array<number>(maxOrder).fill(0);
    const total = new Array<number>(maxOrder).fill(0);
    wordNgrams(hypTokens, maxOrder).forEach((m, n) => {
      const refMap = refMaps[n] as Map<string, number>;
      for (const [g, c] of m) {
        total[n] = (total[n] as number) + c;
        const r = refMap.get(g);
        if (r !== undefined) correct[n] = (correct[n] as number) + Math.min(c, r);
      }
    });
    return [hypTokens.length, closestRefLength(hypTokens.length, refLens), ...correct, ...total];
  });
}

/** BLEU from summed segment statistics (`bleuSegmentStats` layout); `float32` as in {@link computeBleu}. */
export function bleuFromStats(stats: readonly number[], options: BleuOptions & { float32?: boolean } = {}): number {
  const order = (stats.length - 2) / 2;
  return computeBleu(stats.slice(2, 2 + order), stats.slice(2 + order), stats[0]!, stats[1]!, options).score;
}

/** sacreBLEU's BLEU signature fields (without `version`), e.g. `nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp`. */
export function bleuSignature(nrefs: string, options: BleuOptions = {}): string {
  const method = options.smoothMethod ?? 'exp';
  const smoothDefault = SMOOTH_DEFAULTS[method];
  const smooth = smoothDefault === undefined ? method : `${method}[${(options.smoothValue ?? smoothDefault).toFixed(2)}]`;
  return [
    `nrefs:${nrefs}`,
    `case:${options.lowercase ? 'lc' : 'mixed'}`,
    `eff:${options.effectiveOrder ? 'yes' : 'no'}`,
    `tok:${options.tokenize ?? '13a'}`,
    `smooth:${smooth}`,
  ].join('|');
}

/**
 * Corpus BLEU identical to sacreBLEU 2.x's defaults (13a tokenisation, exponential smoothing, closest reference
 * length with ties to the shorter one, n-gram counts clipped by the maximum count over the references).
 * `refs` is a list of reference streams, each as long as `hyps`; empty references are skipped per segment.
 */
export function corpusBleu(hyps: readonly string[], refs: readonly (readonly string[])[], options: BleuOptions = {}): BleuScore {
  const segments = bleuSegmentStats(hyps, refs, options);
  const sums = sumStats(segments);
  const order = (sums.length - 2) / 2;
  const stats = computeBleu(sums.slice(2, 2 + order), sums.slice(2 + order), sums[0]!, sums[1]!, options);
  return { kind: 'bleu', ...stats, signature: bleuSignature(referenceCountLabel(segmentReferences(hyps, refs)), options) };
}

/** Column sums of segment statistics (sacreBLEU's `sum_of_lists`). */
export function sumStats(segments: readonly (readonly number[])[]): number[] {
  const out = new Array<number>(segments[0]?.length ?? 0).fill(0);
  for (const row of segments) row.forEach((v, k) => (out[k] = (out[k] as number) + v));
  return out;
}
