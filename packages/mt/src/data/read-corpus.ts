import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decodeUtf8Strict } from './decode-utf8';
import { MtDataError } from './mt-data-error';

/** One aligned sentence pair. */
export interface SentencePair {
  src: string;
  tgt: string;
}

/** True when the buffer starts with the gzip magic bytes 1f 8b. */
export function isGzip(buffer: Uint8Array): boolean {
  return buffer.length >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
}

export interface ReadTextOptions {
  /**
   * Keep a leading byte order mark as part of the first line (default false: it is dropped). sacreBLEU reads
   * with Python's `utf-8` codec, which keeps it, so `kt mt score` keeps it too to give sacreBLEU's scores.
   */
  keepBom?: boolean;
}

/**
 * Reads a text file, plain or gzip (detected by its magic bytes, not its name), as lines: `\r\n` and `\n`
 * both end a line, and a final newline does not make an extra empty line. The text must be valid UTF-8 (of
 * the decompressed bytes, for gzip): anything else is an MtDataError naming the file and the byte offset.
 */
export async function readTextLines(path: string, options: ReadTextOptions = {}): Promise<string[]> {
  let raw: Buffer;
  try {
    raw = await fs.readFile(path);
  } catch (err) {
    throw new MtDataError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let bytes: Buffer = raw;
  if (isGzip(raw)) {
    try {
      bytes = gunzipSync(raw);
    } catch (err) {
      throw new MtDataError(`${path} looks gzipped but cannot be decompressed: ${(err as Error).message}`);
    }
  }
  return splitTextLines(decodeUtf8Strict(bytes, isGzip(raw) ? `${path} (decompressed)` : path), options);
}

/** Text as lines, like readTextLines: `\r\n` and `\n` end a line; a leading BOM is dropped unless kept. */
export function splitTextLines(decoded: string, options: ReadTextOptions = {}): string[] {
  const text = options.keepBom === true ? decoded : decoded.replace(/^\uFEFF/, '');
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Reads a Moses-style pair of line-aligned files (plain or gzip). */
export async function readParallelFiles(srcPath: string, tgtPath: string): Promise<SentencePair[]> {
  const [src, tgt] = await Promise.all([readTextLines(srcPath), readTextLines(tgtPath)]);
  if (src.length !== tgt.length) {
    throw new MtDataError(
      `parallel files differ in line count: ${srcPath} has ${src.length} lines, ${tgtPath} has ${tgt.length} lines`,
    );
  }
  if (src.length === 0) throw new MtDataError(`empty corpus: ${srcPath} and ${tgtPath} have no lines`);
  return src.map((s, i) => ({ src: s, tgt: tgt[i] as string }));
}

/** Reads `source<TAB>target` lines (plain or gzip); further columns are ignored. */
export async function readTsvPairs(path: string): Promise<SentencePair[]> {
  const lines = await readTextLines(path);
  const pairs: SentencePair[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const cols = line.split('\t');
    if (cols.length < 2) {
      throw new MtDataError(`${path}:${i + 1}: expected "source<TAB>target", found no tab`);
    }
    pairs.push({ src: cols[0] as string, tgt: cols[1] as string });
  });
  if (pairs.length === 0) throw new MtDataError(`empty corpus: ${path} has no sentence pairs`);
  return pairs;
}
