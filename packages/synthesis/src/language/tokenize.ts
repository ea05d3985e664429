/**
 * Word-level tokenisation of task descriptions for the translation model: lower case, words as runs of
 * letters and digits, number words as digits, a light plural stemmer, and punctuation kept as a token only
 * where it stands alone or in quotes (`replace "." with ","` → replace . with ,) — there it names a
 * character the program uses; attached to a word (`first letter, then`) it is just punctuation.
 */

const NUMBER_WORDS: Readonly<Record<string, string>> = {
  zero: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  ten: '10',
};

const QUOTES = /^["'`“”‘’]+|["'`“”‘’]+$/g;

/** `numbers` → `number`, `dashes` → `dash`, `boxes` → `box`; leaves `is`, `this`, `class`, `its` alone. */
export function stemWord(w: string): string {
  if (w.length <= 3 || !w.endsWith('s') || w.endsWith('ss') || w.endsWith('us') || w.endsWith('is')) return w;
  if (/(sh|ch|x|z)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  return w.slice(0, -1);
}

/** Normalised word tokens of a description (see the file comment). An empty or blank text gives []. */
export function tokenizeDescription(text: string): string[] {
  const out: string[] = [];
  for (const chunk of text.toLowerCase().split(/\s+/)) {
    if (chunk === '') continue;
    const bare = chunk.replace(QUOTES, '');
    if (bare === '') {
      // A quoted quote character, e.g. `"'"`.
      if (chunk.length >= 3) out.push(chunk[1]!);
      continue;
    }
    const quoted = bare !== chunk && chunk.length - bare.length >= 2;
    if (!/[a-z0-9]/.test(bare)) {
      // Standalone or quoted punctuation names characters: keep each one.
      for (const c of bare) out.push(c);
      continue;
    }
    if (quoted && bare.length === 1) {
      out.push(bare);
      continue;
    }
    for (const w of bare.match(/[a-z0-9]+/g) ?? []) out.push(NUMBER_WORDS[w] ?? stemWord(w));
  }
  return out;
}
