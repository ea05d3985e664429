/** One pre-token: a run of letters/digits/marks or a single other character, and whether whitespace (or the end) follows. */
export interface PreToken {
  text: string;
  final: boolean;
}

const PIECE = /[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu;

/**
 * Splits text on whitespace into chunks, and each chunk into runs of letters/digits and single punctuation
 * characters. The last piece of a chunk is `final` (it will carry the end-of-word marker), so joining the
 * pieces and putting one space after each final piece restores the text up to whitespace normalisation.
 */
export function preTokenize(text: string): PreToken[] {
  const out: PreToken[] = [];
  for (const chunk of text.split(/\s+/)) {
    if (chunk === '') continue;
    const pieces = chunk.match(PIECE) ?? [];
    pieces.forEach((piece, i) => out.push({ text: piece, final: i === pieces.length - 1 }));
  }
  return out;
}
