import { pySplit } from './python-text';

// sacreBLEU's TokenizerV14International (tokenizer_intl.py, after mteval-v14.pl): punctuation split off
// unless a digit is on both sides, symbols always split off; escaped forms (&apos; …) are not recovered.
const PUNCT_AFTER_NON_DIGIT = /(\P{N})(\p{P})/gu;
const PUNCT_BEFORE_NON_DIGIT = /(\p{P})(\P{N})/gu;
const SYMBOL = /(\p{S})/gu;

/** sacreBLEU's "intl" tokeniser (Unicode punctuation and symbols). */
export function tokenizeIntl(line: string): string {
  const out = line.replace(PUNCT_AFTER_NON_DIGIT, '$1 $2 ').replace(PUNCT_BEFORE_NON_DIGIT, ' $1 $2').replace(SYMBOL, ' $1 ');
  return pySplit(out).join(' ');
}
