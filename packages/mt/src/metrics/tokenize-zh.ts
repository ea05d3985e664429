import { pyStrip } from './python-text';
import { tokenizeRegexp } from './tokenize-13a';

/*
 * sacreBLEU's TokenizerZh (tokenizer_zh.py): every Chinese character becomes a token of its own, the rest is
 * tokenised like 13a (without its HTML unescaping). `_UCODE_RANGES` is compared as Python compares strings;
 * two of its entries are written `u'\u20000'` and `u'\u2f800'`, which Python reads as a 4-digit escape plus a
 * digit (two characters), so those ranges are in effect U+2001..U+2A6D and U+2F81..U+2FA1 — reproduced here.
 */
const RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x3400, 0x4db5],
  [0x4e00, 0x9fa5],
  [0x9fa6, 0x9fbb],
  [0xf900, 0xfa2d],
  [0xfa30, 0xfa6a],
  [0xfa70, 0xfad9],
  [0x2001, 0x2a6d], // written (u'\u20000', u'\u2a6d6')
  [0x2f81, 0x2fa1], // written (u'\u2f800', u'\u2fa1d')
  [0xff00, 0xffef],
  [0x2e80, 0x2eff],
  [0x3000, 0x303f],
  [0x31c0, 0x31ef],
  [0x2f00, 0x2fdf],
  [0x2ff0, 0x2fff],
  [0x3100, 0x312f],
  [0x31a0, 0x31bf],
  [0xfe10, 0xfe1f],
  [0xfe30, 0xfe4f],
  [0x2600, 0x26ff],
  [0x2700, 0x27bf],
  [0x3200, 0x32ff],
  [0x3300, 0x33ff],
];

/** `TokenizerZh._is_chinese_char`. */
export function isChineseChar(char: string): boolean {
  const cp = char.codePointAt(0)!;
  return RANGES.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/** sacreBLEU's "zh" tokeniser. */
export function tokenizeZh(input: string): string {
  let line = '';
  for (const char of pyStrip(input)) line += isChineseChar(char) ? ` ${char} ` : char;
  return tokenizeRegexp(line);
}
