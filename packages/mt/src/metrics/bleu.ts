import { MtDataError } from '../data/mt-data-error';
import { pyRstrip, pySplit } from './python-text';
import { referenceCountLabel, segmentReferences } from './reference-streams';
import { tokenize13a } from './tokenize-13a';

export type BleuSmoothMethod = 'exp' | 'floor' | 'add-k' | 'none';
export type BleuTokenizerName = '13a' | 'none';

export interface BleuOptions {
  /** Default false. */
  lowercase?: boolean;
  /** Default '13a'. */
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
  return x === 0 ? -9999999999 : Math.log(x);
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
    const diff = Math.abs(hypLen - len);
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
  options: Pick<BleuOptions, 'smoothMethod' | 'smoothValue' | 'effectiveOrder'> = {},
): Omit<BleuScore, 'kind' | 'signature'> {
  const method = options.smoothMethod ?? 'exp';
  const smoothValue = options.smoothValue ?? SMOOTH_DEFAULTS[method] ?? 0;
  const maxOrder = correctIn.length;
  const correct = [...correctIn];
  const total = [...totalIn];
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxOrder).fill(0);
  const ratio = refLen ? sysLen / refLen : 0;
  const result = { counts: correct, totals: total, precisions, bp, sysLen, refLen, ratio };
  if (!correct.some((c) => c !== 0)) return { score: 0, ...result };

  let smoothMteval = 1;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (method === 'add-k' && n > 1) {
      correct[n - 1] = (correct[n - 1] as number) + smoothValue;
      total[n - 1] = (total[n - 1] as number) + smoothValue;
    }
    const tot = total[n - 1] as number;
    const cor = correct[n - 1] as number;
    if (tot === 0) break;
    if (options.effectiveOrder) effOrder = n;
    if (cor === 0) {
      if (method === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * tot);
      } else if (method === 'floor') {
        precisions[n - 1] = (100 * smoothValue) / tot;
      }
    } else {
      precisions[n - 1] = (100 * cor) / tot;
    }
  }
  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += myLog(precisions[i] as number);
  return { score: bp * Math.exp(logSum / effOrder), ...result };
}

/**
 * Corpus BLEU identical to sacreBLEU 2.x's defaults (13a tokenisation, exponential smoothing, closest reference
 * length with ties to the shorter one, n-gram counts clipped by the maximum count over the references).
 * `refs` is a list of reference streams, each as long as `hyps`; empty references are skipped per segment.
 */
export function corpusBleu(hyps: readonly string[], refs: readonly (readonly string[])[], options: BleuOptions = {}): BleuScore {
  if (hyps.length === 0) throw new MtDataError('corpusBleu: no hypotheses');
  const maxOrder = options.maxNgramOrder ?? 4;
  if (!Number.isInteger(maxOrder) || maxOrder < 1) throw new MtDataError(`corpusBleu: bad maxNgramOrder ${maxOrder}`);
  const tokenizerName = options.tokenize ?? '13a';
  const preprocess = (s: string): string => {
    const cased = options.lowercase ? s.toLowerCase() : s;
    return tokenizerName === '13a' ? tokenize13a(pyRstrip(cased)) : pyRstrip(cased);
  };
  const perSegment = segmentReferences(hyps, refs);
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  let sysLen = 0;
  let refLen = 0;
  hyps.forEach((hyp, i) => {
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
    sysLen += hypTokens.length;
    refLen += closestRefLength(hypTokens.length, refLens);
    wordNgrams(hypTokens, maxOrder).forEach((m, n) => {
      const refMap = refMaps[n] as Map<string, number>;
      for (const [g, c] of m) {
        total[n] = (total[n] as number) + c;
        const r = refMap.get(g);
        if (r !== undefined) correct[n] = (correct[n] as number) + Math.min(c, r);
      }
    });
  });
  const stats = computeBleu(correct, total, sysLen, refLen, options);
  const method = options.smoothMethod ?? 'exp';
  const smoothDefault = SMOOTH_DEFAULTS[method];
  const smooth = smoothDefault === undefined ? method : `${method}[${(options.smoothValue ?? smoothDefault).toFixed(2)}]`;
  const signature = [
    `nrefs:${referenceCountLabel(perSegment)}`,
    `case:${options.lowercase ? 'lc' : 'mixed'}`,
    `eff:${options.effectiveOrder ? 'yes' : 'no'}`,
    `tok:${tokenizerName}`,
    `smooth:${smooth}`,
  ].join('|');
  return { kind: 'bleu', ...stats, signature };
}
