import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  MtDataError,
  filterByLength,
  loadMulti30k,
  multi30kFiles,
  readParallelFiles,
  readTextLines,
  readTsvPairs,
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
