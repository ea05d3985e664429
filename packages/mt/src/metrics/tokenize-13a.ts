import { pySplit } from './python-text';

// mteval-v13a's tokenisation as sacreBLEU implements it (tokenizer_13a.py + tokenizer_re.py).
const SYMBOLS = /([{-~[-`\x20-&(-+:-@\x2f])/g;
const PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/g;
const PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/g;
const DASH_AFTER_DIGIT = /([0-9])(-)/g;

/** sacreBLEU's default BLEU tokeniser ("13a"). */
export function tokenize13a(input: string): string {
  let line = input.split('<skipped>').join('').split('-\n').join('').split('\n').join(' ');
  if (line.includes('&')) {
    line = line.split('&quot;').join('"').split('&amp;').join('&').split('&lt;').join('<').split('&gt;').join('>');
  }
  return tokenizeRegexp(` ${line} `);
}

/** sacreBLEU's `TokenizerRegexp`: the language-dependent part shared by the 13a and zh tokenizers. */
export function tokenizeRegexp(input: string): string {
  const line = input
    .replace(SYMBOLS, ' $1 ')
    .replace(PERIOD_COMMA_AFTER_NON_DIGIT, '$1 $2 ')
    .replace(PERIOD_COMMA_BEFORE_NON_DIGIT, ' $1 $2')
    .replace(DASH_AFTER_DIGIT, '$1 $2 ');
  return pySplit(line).join(' ');
}
