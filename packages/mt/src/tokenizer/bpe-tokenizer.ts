import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MtDataError } from '../data/mt-data-error';
import { preTokenize } from './pre-tokenize';
import {
  BOS_ID,
  END_OF_WORD,
  EOS_ID,
  PAD_ID,
  SPECIAL_TOKENS,
  UNK_ID,
  UNK_TOKEN,
} from './special-tokens';

/** Saved form of a BPE tokenizer (`toJSON()` / `BpeTokenizer.fromJSON()`). */
export const BpeTokenizerJsonSchema = z.strictObject({
  type: z.literal('bpe'),
  version: z.literal(1),
  lowercase: z.boolean(),
  /** The whole vocabulary in id order: special tokens, alphabet, then one symbol per merge. */
  vocab: z.array(z.string()),
  /** Merge rules in rank order. */
  merges: z.array(z.tuple([z.string(), z.string()])),
});
export type BpeTokenizerJson = z.infer<typeof BpeTokenizerJsonSchema>;

export interface EncodeOptions {
  /** Prepend `<s>`; default false. */
  addBos?: boolean;
  /** Append `</s>`; default false. */
  addEos?: boolean;
}

export interface DecodeOptions {
  /** Drop `<pad>`, `<s>` and `</s>` (default true); `<unk>` is kept as the text "<unk>". */
  skipSpecial?: boolean;
  /** Stop at the first `</s>` (default true). */
  stopAtEos?: boolean;
}

/** Symbols of one pre-token before any merge: its characters, the last one carrying `</w>` when final. */
export function initialSymbols(text: string, final: boolean): string[] {
  const chars = Array.from(text);
  if (final && chars.length > 0) chars[chars.length - 1] += END_OF_WORD;
  return chars;
}

/**
 * Byte-pair-encoding subword tokenizer over pre-tokenised words with an end-of-word marker
 * (Sennrich et al. 2016). Ids 0-3 are `<pad>`, `<s>`, `</s>`, `<unk>`. Build it with `trainBpe`.
 */
export class BpeTokenizer {
  readonly padId = PAD_ID;
  readonly bosId = BOS_ID;
  readonly eosId = EOS_ID;
  readonly unkId = UNK_ID;
  readonly lowercase: boolean;
  private readonly vocab: readonly string[];
  private readonly merges: readonly (readonly [string, string])[];
  private readonly ids = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  private fingerprintCache: string | undefined;

  constructor(json: BpeTokenizerJson) {
    this.lowercase = json.lowercase;
    this.vocab = [...json.vocab];
    this.merges = json.merges.map(([a, b]) => [a, b] as const);
    SPECIAL_TOKENS.forEach((tok, i) => {
      if (this.vocab[i] !== tok) {
        throw new MtDataError(`tokenizer vocabulary must start with ${SPECIAL_TOKENS.join(', ')}; id ${i} is "${this.vocab[i]}"`);
      }
    });
    this.vocab.forEach((tok, i) => {
      if (this.ids.has(tok)) throw new MtDataError(`tokenizer vocabulary has "${tok}" twice (ids ${this.ids.get(tok)} and ${i})`);
      this.ids.set(tok, i);
    });
    this.merges.forEach(([a, b], rank) => {
      if (!this.ids.has(a + b)) throw new MtDataError(`merge ${rank} ("${a}" + "${b}") has no vocabulary entry`);
      this.ranks.set(pairKey(a, b), rank);
    });
  }

  /** Restores a tokenizer saved with `toJSON()`; the input is validated. */
  static fromJSON(json: unknown): BpeTokenizer {
    const parsed = BpeTokenizerJsonSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `- ${i.path.join('.')}: ${i.message}`).join('\n');
      throw new MtDataError(`invalid BPE tokenizer JSON:\n${issues}`);
    }
    return new BpeTokenizer(parsed.data);
  }

  toJSON(): BpeTokenizerJson {
    return {
      type: 'bpe',
      version: 1,
      lowercase: this.lowercase,
      vocab: [...this.vocab],
      merges: this.merges.map(([a, b]) => [a, b] as [string, string]),
    };
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  get numMerges(): number {
    return this.merges.length;
  }

  /**
   * sha256 (first 16 hex digits) of the vocabulary, merges and options: equal fingerprints mean equal
   * segmentations and ids. Save it with a run and compare it before reusing a teacher.
   */
  fingerprint(): string {
    if (this.fingerprintCache === undefined) {
      const canonical = JSON.stringify([this.lowercase, this.vocab, this.merges]);
      this.fingerprintCache = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
    }
    return this.fingerprintCache;
  }

  idToToken(id: number): string {
    const tok = this.vocab[id];
    if (tok === undefined) throw new MtDataError(`token id ${id} is outside the vocabulary (size ${this.vocab.length})`);
    return tok;
  }

  /** The id of a vocabulary symbol, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** Subword ids of one text. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (options.addBos) out.push(BOS_ID);
    const normalised = this.lowercase ? text.toLowerCase() : text;
    for (const { text: piece, final } of preTokenize(normalised)) {
      const key = final ? `${piece}${END_OF_WORD}` : piece;
      let ids = this.cache.get(key);
      if (ids === undefined) {
        ids = this.segment(initialSymbols(piece, final)).map((s) => this.ids.get(s) ?? UNK_ID);
        if (this.cache.size < 200000) this.cache.set(key, ids);
      }
      for (const id of ids) out.push(id);
    }
    if (options.addEos) out.push(EOS_ID);
    return out;
  }

  /** Subword strings of one text (no special tokens). */
  tokenize(text: string): string[] {
    return this.encode(text).map((id) => this.idToToken(id));
  }

  /** Text from ids: symbols are concatenated and each end-of-word marker becomes one space. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skipSpecial = options.skipSpecial ?? true;
    const stopAtEos = options.stopAtEos ?? true;
    let text = '';
    for (const id of ids) {
      if (id === EOS_ID && stopAtEos) break;
      if (id === UNK_ID) {
        text += `${UNK_TOKEN} `;
        continue;
      }
      if (id < SPECIAL_TOKENS.length) {
        if (!skipSpecial) text += `${this.idToToken(id)} `;
        continue;
      }
      const tok = this.idToToken(id);
      text += tok.endsWith(END_OF_WORD) ? `${tok.slice(0, -END_OF_WORD.length)} ` : tok;
    }
    return text.trim();
  }

  /** Applies the merges to one pre-token's symbols, lowest rank first (each merge everywhere, left to right). */
  private segment(symbols: string[]): string[] {
    let word = symbols;
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < word.length; i++) {
        const rank = this.ranks.get(pairKey(word[i] as string, word[i + 1] as string));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const [a, b] = this.merges[bestRank] as readonly [string, string];
      const next: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
          next.push(a + b);
          i++;
        } else {
          next.push(word[i] as string);
        }
      }
      word = next;
    }
    return word;
  }
}

/** A map key for a symbol pair (symbols never contain U+0000). */
export function pairKey(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

/** Throws when a saved vocabulary fingerprint (e.g. a teacher's) differs from the tokenizer in use. */
export function assertVocabularyMatches(expected: string, tokenizer: BpeTokenizer, what = 'saved model'): void {
  const actual = tokenizer.fingerprint();
  if (expected !== actual) {
    throw new MtDataError(
      `vocabulary mismatch: the ${what} was trained with vocabulary ${expected}, but the tokenizer in use is ${actual}; ` +
        'use the tokenizer saved with it',
    );
  }
}
