import { MtDataError } from '../data/mt-data-error';
import type { SentencePair } from '../data/read-corpus';
import { BpeTokenizer, initialSymbols } from './bpe-tokenizer';
import { preTokenize } from './pre-tokenize';
import { END_OF_WORD, SPECIAL_TOKENS } from './special-tokens';

export interface BpeTrainOptions {
  /**
   * Target vocabulary size including the 4 special tokens and the character alphabet; the number of merges is
   * what is left. Ignored when `numMerges` is given. Default 8000.
   */
  vocabSize?: number;
  /** Exact number of merges to learn (at most; training also stops when no pair is frequent enough). */
  numMerges?: number;
  /** A pair must occur at least this often to be merged; default 2. */
  minFrequency?: number;
  /** Lower-case text before training and encoding; default false. */
  lowercase?: boolean;
}

const PAIR_BASE = 2 ** 21;

/** A max-heap of (count, pair) with deterministic tie-breaking; stale entries are skipped on pop. */
class PairHeap {
  private readonly items: { count: number; key: number }[] = [];
  constructor(private readonly before: (x: { count: number; key: number }, y: { count: number; key: number }) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  push(item: { count: number; key: number }): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): { count: number; key: number } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Learns BPE merges from texts: words are pre-tokenised (whitespace, then letter/digit runs and single
 * punctuation marks), the last symbol of each whitespace chunk carries `</w>`, and the most frequent adjacent
 * pair is merged repeatedly. Ties between equally frequent pairs go to the pair whose symbols sort first
 * (left symbol, then right symbol, by UTF-16 code units), so training is deterministic.
 */
export function trainBpe(texts: Iterable<string>, options: BpeTrainOptions = {}): BpeTokenizer {
  const lowercase = options.lowercase ?? false;
  const minFrequency = Math.max(1, options.minFrequency ?? 2);

  const wordCounts = new Map<string, { piece: string; final: boolean; count: number }>();
  for (const raw of texts) {
    const text = lowercase ? raw.toLowerCase() : raw;
    for (const { text: piece, final } of preTokenize(text)) {
      const key = final ? piece + END_OF_WORD : piece;
      const entry = wordCounts.get(key);
      if (entry) entry.count++;
      else wordCounts.set(key, { piece, final, count: 1 });
    }
  }
  if (wordCounts.size === 0) throw new MtDataError('trainBpe: the training texts contain no words');

  // Intern symbols; the alphabet is sorted so ids do not depend on the order of the texts.
  const alphabet = new Set<string>();
  const wordSymbols: string[][] = [];
  const freqs: number[] = [];
  for (const { piece, final, count } of wordCounts.values()) {
    const syms = initialSymbols(piece, final);
    syms.forEach((s) => alphabet.add(s));
    wordSymbols.push(syms);
    freqs.push(count);
  }
  const symbols: string[] = [...alphabet].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const symbolId = new Map<string, number>(symbols.map((s, i) => [s, i]));
  const words: number[][] = wordSymbols.map((syms) => syms.map((s) => symbolId.get(s)!));

  const targetVocab = options.vocabSize ?? 8000;
  const maxMerges =
    options.numMerges ?? Math.max(0, targetVocab - SPECIAL_TOKENS.length - symbols.length);

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  /** Adds (sign +1) or removes (sign -1) word w's adjacent pairs into `delta`, indexing new occurrences. */
  const collectPairs = (w: number, sign: number, delta: Map<number, number>): void => {
    const syms = words[w]!;
    const f = freqs[w]! * sign;
    for (let i = 0; i + 1 < syms.length; i++) {
      const key = syms[i]! * PAIR_BASE + syms[i + 1]!;
      delta.set(key, (delta.get(key) ?? 0) + f);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (set === undefined) pairWords.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  /** Applies count changes; returns the keys whose count changed. */
  const applyDelta = (delta: Map<number, number>): number[] => {
    const changed: number[] = [];
    for (const [key, d] of delta) {
      if (d === 0) continue;
      const c = (pairCounts.get(key) ?? 0) + d;
      if (c === 0) pairCounts.delete(key);
      else pairCounts.set(key, c);
      changed.push(key);
    }
    return changed;
  };
  const initialDelta = new Map<number, number>();
  for (let w = 0; w < words.length; w++) collectPairs(w, 1, initialDelta);
  const initial = applyDelta(initialDelta);

  const compare = (x: { count: number; key: number }, y: { count: number; key: number }): boolean => {
    if (x.count !== y.count) return x.count > y.count;
    const xa = symbols[Math.floor(x.key / PAIR_BASE)]!;
    const ya = symbols[Math.floor(y.key / PAIR_BASE)]!;
    if (xa !== ya) return xa < ya;
    return symbols[x.key % PAIR_BASE]! < symbols[y.key % PAIR_BASE]!;
  };
  const heap = new PairHeap(compare);
  for (const key of initial) heap.push({ count: pairCounts.get(key)!, key });

  const merges: [string, string][] = [];
  const vocab: string[] = [...SPECIAL_TOKENS, ...symbols];
  const inVocab = new Set(vocab);
  while (merges.length < maxMerges && heap.size > 0) {
    const top = heap.pop()!;
    if (pairCounts.get(top.key) !== top.count) continue; // stale entry
    if (top.count < minFrequency) break;
    const a = Math.floor(top.key / PAIR_BASE);
    const b = top.key % PAIR_BASE;
    const merged = symbols[a]! + symbols[b]!;
    let id = symbolId.get(merged);
    if (id === undefined) {
      id = symbols.length;
      if (id >= PAIR_BASE) throw new MtDataError(`trainBpe: more than ${PAIR_BASE} symbols`);
      symbols.push(merged);
      symbolId.set(merged, id);
    }
    merges.push([symbols[a]!, symbols[b]!]);
    if (!inVocab.has(merged)) {
      vocab.push(merged);
      inVocab.add(merged);
    }
    const delta = new Map<number, number>();
    for (const w of [...(pairWords.get(top.key) ?? [])]) {
      const syms = words[w]!;
      let present = false;
      for (let i = 0; i + 1 < syms.length; i++) {
        if (syms[i] === a && syms[i + 1] === b) {
          present = true;
          break;
        }
      }
      if (!present) continue;
      collectPairs(w, -1, delta);
      const next: number[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          next.push(id);
          i++;
        } else {
          next.push(syms[i]!);
        }
      }
      words[w] = next;
      collectPairs(w, 1, delta);
    }
    pairWords.delete(top.key);
    for (const key of applyDelta(delta)) {
      const c = pairCounts.get(key);
      if (c !== undefined && c > 0) heap.push({ count: c, key });
    }
  }
  return new BpeTokenizer({ type: 'bpe', version: 1, lowercase, vocab, merges });
}

export interface BpePairTokenizers {
  src: BpeTokenizer;
  tgt: BpeTokenizer;
  /** True when source and target share one vocabulary (then `src === tgt`). */
  joint: boolean;
}

/** Trains one joint vocabulary on both sides, or one per side (`joint: false`). */
export function trainBpeForPairs(
  pairs: readonly SentencePair[],
  options: BpeTrainOptions & { joint: boolean },
): BpePairTokenizers {
  if (options.joint) {
    const both = trainBpe(
      (function* (): Generator<string> {
        for (const p of pairs) {
          yield p.src;
          yield p.tgt;
        }
      })(),
      options,
    );
    return { src: both, tgt: both, joint: true };
  }
  return {
    src: trainBpe(pairs.map((p) => p.src), options),
    tgt: trainBpe(pairs.map((p) => p.tgt), options),
    joint: false,
  };
}
