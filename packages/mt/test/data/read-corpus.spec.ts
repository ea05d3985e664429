import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  MtDataError,
  decodeUtf8Strict,
  filterByLength,
  invalidUtf8Offset,
  loadMulti30k,
  multi30kFiles,
  readParallelFiles,
  readTextLines,
  readTsvPairs,
  splitTextLines,
} from '../../src/data';
import { MULTI30K_DIR, describeWithMulti30k } from './shared-data';

let dir: string;
const file = (name: string, content: string | Buffer): string => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'kt-mt-data-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readParallelFiles / readTsvPairs', () => {
  it('reads plain and gzip files, detecting gzip by magic bytes, CRLF and final newline handled', async () => {
    const src = file('a.de', 'ein Hund\r\nzwei Katzen\r\n');
    const tgt = file('a.en.txt', gzipSync('a dog\ntwo cats\n')); // gzip without a .gz name
    expect(await readParallelFiles(src, tgt)).toEqual([
      { src: 'ein Hund', tgt: 'a dog' },
      { src: 'zwei Katzen', tgt: 'two cats' },
    ]);
    expect(await readTextLines(file('nonl.txt', 'x\ny'))).toEqual(['x', 'y']);
  });

  it('names both files and both counts when line counts differ', async () => {
    const src = file('b.src', 'one\ntwo\nthree\n');
    const tgt = file('b.tgt', 'one\ntwo\n');
    const err = await readParallelFiles(src, tgt).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MtDataError);
    expect((err as Error).message).toContain(`${src} has 3 lines`);
    expect((err as Error).message).toContain(`${tgt} has 2 lines`);
  });

  it('rejects an empty corpus and a missing file', async () => {
    await expect(readParallelFiles(file('e1', ''), file('e2', ''))).rejects.toThrow(/empty corpus/);
    await expect(readParallelFiles(path.join(dir, 'nope'), file('e3', 'x'))).rejects.toThrow(MtDataError);
  });

  it('reads TSV pairs and names the file and line of a bad row', async () => {
    expect(await readTsvPairs(file('ok.tsv', 'a\tb\textra\n\nc\td\n'))).toEqual([
      { src: 'a', tgt: 'b' },
      { src: 'c', tgt: 'd' },
    ]);
    const bad = file('bad.tsv', 'a\tb\nno tab here\n');
    await expect(readTsvPairs(bad)).rejects.toThrow(`${bad}:2:`);
    await expect(readTsvPairs(file('empty.tsv', '\n'))).rejects.toThrow(/empty corpus/);
  });
});

describe('filterByLength', () => {
  const pairs = [
    { src: 'a b c', tgt: 'x y' },
    { src: '', tgt: 'x' },
    { src: 'a b c d e f', tgt: 'x' },
    { src: 'a', tgt: 'x y z w v u' },
    { src: 'a b', tgt: 'c' },
  ];
  it('keeps pairs whose both sides lie in [minLen, maxLen] and counts the dropped', () => {
    const r = filterByLength(pairs, { maxLen: 5 });
    expect(r.kept).toEqual([pairs[0], pairs[4]]);
    expect(r.dropped).toBe(3);
    expect(filterByLength(pairs, { maxLen: 10, minLen: 2 }).dropped).toBe(4);
    expect(filterByLength(pairs, { maxLen: 6, tokenCount: (s) => s.length }).dropped).toBe(3);
  });
  it('rejects minLen > maxLen', () => expect(() => filterByLength(pairs, { maxLen: 1, minLen: 2 })).toThrow(MtDataError));
});

describe('multi30kFiles', () => {
  it('lays out <split>.<lang>.gz', () => {
    expect(multi30kFiles('/d', 'train', 'de', 'en')).toEqual({ src: '/d/train.de.gz', tgt: '/d/train.en.gz' });
    expect(multi30kFiles('/d', 'test_2016_flickr', 'en', 'de').tgt).toBe('/d/test_2016_flickr.de.gz');
  });
  it('lists the valid splits and languages on a bad one', () => {
    expect(() => multi30kFiles('/d', 'test', 'de', 'en')).toThrow('valid splits: train, val, test_2016_flickr');
    expect(() => multi30kFiles('/d', 'val', 'fr', 'en')).toThrow('valid languages: de, en');
    expect(() => multi30kFiles('/d', 'val', 'en', 'en')).toThrow(MtDataError);
  });
});

describeWithMulti30k('Multi30k from the shared data', () => {
  it('reads every split with the documented sizes', async () => {
    expect((await loadMulti30k(MULTI30K_DIR, 'train', 'de', 'en')).length).toBe(29000);
    expect((await loadMulti30k(MULTI30K_DIR, 'val', 'de', 'en')).length).toBe(1014);
    const test = await loadMulti30k(MULTI30K_DIR, 'test_2016_flickr', 'de', 'en');
    expect(test.length).toBe(1000);
    expect(test[0]!.src.length).toBeGreaterThan(0);
  });
});

describe('strict UTF-8', () => {
  const bytes = (...parts: Array<string | number[]>): Buffer =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

  it('a corpus file with an invalid byte is an MtDataError naming the file, the byte, its offset and line', async () => {
    const bad = file('bad.de', bytes('ein Hund\nzwei ', [0xff], 'Katzen\n'));
    await expect(readTextLines(bad)).rejects.toThrow(MtDataError);
    await expect(readTextLines(bad)).rejects.toThrow(`${bad}: not valid UTF-8: byte 0xff at offset 14 (line 2)`);
    const ok = file('ok.en', 'a dog\ntwo cats\n');
    await expect(readParallelFiles(bad, ok)).rejects.toThrow(`${bad}: not valid UTF-8`);
    const gz = file('bad.tsv.gz', gzipSync(bytes('a\tb\n', [0xc3, 0x28], '\tc\n')));
    await expect(readTsvPairs(gz)).rejects.toThrow(`${gz} (decompressed): not valid UTF-8: byte 0xc3 at offset 4 (line 2)`);
  });

  it('a leading byte order mark is dropped from corpus text unless kept on request', async () => {
    const withBom = file('bom.txt', '\uFEFFhello\nworld\n');
    expect(await readTextLines(withBom)).toEqual(['hello', 'world']);
    expect(await readTextLines(withBom, { keepBom: true })).toEqual(['\uFEFFhello', 'world']);
    expect(splitTextLines('\uFEFF')).toEqual([]);
  });

  it('invalidUtf8Offset follows the decoder: overlongs, surrogates, > U+10FFFF and truncation are invalid', () => {
    expect(invalidUtf8Offset(bytes('Straße 🙂 ok'))).toBe(-1);
    expect(invalidUtf8Offset(bytes('ab', [0xc0, 0x80]))).toBe(2); // overlong NUL
    expect(invalidUtf8Offset(bytes('a', [0xe0, 0x80, 0x80]))).toBe(1); // overlong 3-byte
    expect(invalidUtf8Offset(bytes([0xed, 0xa0, 0x80]))).toBe(0); // surrogate U+D800
    expect(invalidUtf8Offset(bytes('x', [0xf4, 0x90, 0x80, 0x80]))).toBe(1); // U+110000
    expect(invalidUtf8Offset(bytes('xyz', [0xf0, 0x9f, 0x99]))).toBe(3); // truncated at the end
    expect(invalidUtf8Offset(bytes([0x80]))).toBe(0); // lone continuation byte
    // the offset is only computed once TextDecoder has refused: both agree on what is invalid
    expect(() => decodeUtf8Strict(bytes('ab', [0xc0, 0x80]), 'x')).toThrow('x: not valid UTF-8: byte 0xc0 at offset 2 (line 1)');
    expect(() => decodeUtf8Strict(bytes([0xed, 0xa0, 0x80]), 'x')).toThrow('x: not valid UTF-8: byte 0xed at offset 0 (line 1)');
    expect(decodeUtf8Strict(bytes('\uFEFFStraße 🙂'), 'x')).toBe('\uFEFFStraße 🙂');
  });
});
