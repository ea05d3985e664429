import { tokenize13a } from './tokenize-13a';
import { tokenizeIntl } from './tokenize-intl';
import { tokenizeZh } from './tokenize-zh';

/** sacreBLEU's BLEU tokenisers that need no external library (ja-mecab, ko-mecab and spm do). */
export const BLEU_TOKENIZERS = {
  '13a': tokenize13a,
  intl: tokenizeIntl,
  /** tokenizer_char.py: every character (code point) a token. */
  char: (line: string): string => Array.from(line).join(' '),
  zh: tokenizeZh,
  none: (line: string): string => line,
} as const satisfies Record<string, (line: string) => string>;

export type BleuTokenizerName = keyof typeof BLEU_TOKENIZERS;
export const BLEU_TOKENIZER_NAMES = Object.keys(BLEU_TOKENIZERS) as BleuTokenizerName[];
