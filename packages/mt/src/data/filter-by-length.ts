import { MtDataError } from './mt-data-error';
import type { SentencePair } from './read-corpus';

export interface LengthFilterOptions {
  /** Longest allowed side, in tokens (inclusive). */
  maxLen: number;
  /** Shortest allowed side, in tokens (inclusive); default 1 (drops empty sides). */
  minLen?: number;
  /** How to count tokens; default: whitespace-separated words. */
  tokenCount?: (sentence: string) => number;
}

export interface LengthFilterResult {
  kept: SentencePair[];
  /** How many pairs were dropped. */
  dropped: number;
}

/** Whitespace-separated word count. */
export function countWords(sentence: string): number {
  const trimmed = sentence.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

/** Keeps the pairs whose source and target lengths both lie in [minLen, maxLen]. */
export function filterByLength(pairs: readonly SentencePair[], options: LengthFilterOptions): LengthFilterResult {
  const minLen = options.minLen ?? 1;
  const count = options.tokenCount ?? countWords;
  if (!(options.maxLen >= minLen) || minLen < 0) {
    throw new MtDataError(`filterByLength: need 0 <= minLen <= maxLen, got minLen=${minLen} maxLen=${options.maxLen}`);
  }
  const kept: SentencePair[] = [];
  for (const pair of pairs) {
    const s = count(pair.src);
    const t = count(pair.tgt);
    if (s >= minLen && s <= options.maxLen && t >= minLen && t <= options.maxLen) kept.push(pair);
  }
  return { kept, dropped: pairs.length - kept.length };
}
