import { MtDataError } from '../../src/data';
import { computeBleu, corpusBleu, corpusChrf, formatFixed, formatScore, tokenize13a } from '../../src/metrics';

const SYS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];

describe('sacreBLEU README example', () => {
  it('BLEU = 48.53 with the verbose part of sacreBLEU', () => {
    const s = corpusBleu(SYS, REFS);
    expect(formatFixed(s.score, 2)).toBe('48.53');
    expect(formatScore(s)).toBe('BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)');
    expect(s.signature).toBe('nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp');
    expect(formatScore(s, { signature: true })).toMatch(/^BLEU\|nrefs:2\|case:mixed\|eff:no\|tok:13a\|smooth:exp = 48\.53 /);
  });
  it('chrF2 = 59.73', () => {
    const s = corpusChrf(SYS, REFS);
    expect(formatScore(s)).toBe('chrF2 = 59.73');
    expect(s.signature).toBe('nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no');
  });
});

describe('BLEU by hand', () => {
  it('identical output scores 100', () => {
    expect(corpusBleu(['a b c d e'], [['a b c d e']]).score).toBeCloseTo(100, 10);
  });
  it('clipped precisions and exponential smoothing of a zero 4-gram count', () => {
    // the cat sat on the mat / the cat is on the mat: p1 5/6, p2 3/5, p3 1/4, p4 0/3 -> 1/(2*3)
    const s = corpusBleu(['the cat sat on the mat'], [['the cat is on the mat']]);
    const expected = 100 * Math.exp((Math.log(5 / 6) + Math.log(3 / 5) + Math.log(1 / 4) + Math.log(1 / 6)) / 4);
    expect(s.score).toBeCloseTo(expected, 10);
    expect(s.counts).toEqual([5, 3, 1, 0]);
    expect(s.totals).toEqual([6, 5, 4, 3]);
    expect(s.bp).toBe(1);
  });
  it('brevity penalty uses the closest reference length, ties to the shorter', () => {
    const s = corpusBleu(['a b c d e'], [['a b c d'], ['a b c d e f']]);
    expect(s.refLen).toBe(4);
    const short = corpusBleu(['a b c d'], [['a b c d e f g h']]);
    expect(short.bp).toBeCloseTo(Math.exp(1 - 8 / 4), 12);
  });
  it('repeated words are clipped by the maximum reference count', () => {
    const s = corpusBleu(['the the the the'], [['the cat'], ['the the dog']]);
    expect(s.counts[0]).toBe(2);
  });
  it('edge cases: empty output, no match, fewer than 4 tokens', () => {
    const empty = corpusBleu(['', ''], [['a b c', 'd e f']]);
    expect(empty.score).toBe(0);
    expect(empty.bp).toBe(0);
    expect(corpusBleu(['x y z w'], [['a b c d']]).score).toBe(0);
    expect(corpusBleu(['a b'], [['a b c d']]).score).toBe(0); // no 3-grams: precision 0 -> log floor
    expect(corpusBleu(['a b'], [['a b c d']], { effectiveOrder: true }).score).toBeCloseTo(100 * Math.exp(1 - 2), 10);
  });
  it('computeBleu sums statistics like sacreBLEU', () => {
    const s = computeBleu([3, 2, 1, 0], [4, 3, 2, 1], 4, 4);
    const expected = 100 * Math.exp((Math.log(3 / 4) + Math.log(2 / 3) + Math.log(1 / 2) + Math.log(1 / 2)) / 4);
    expect(s.score).toBeCloseTo(expected, 10);
  });
  it('rejects mismatched streams; an empty reference is a reference of length 0 (sacreBLEU 2.6)', () => {
    expect(() => corpusBleu(['a', 'b'], [['a']])).toThrow(MtDataError);
    expect(corpusBleu(['a b'], [['']]).refLen).toBe(0);
    expect(corpusBleu(['a'], [['a b c d e f']], {}).refLen).toBe(6);
    expect(corpusBleu(['a'], [['a b c d e f'], ['']]).refLen).toBe(0);
  });
});

describe('13a tokenisation', () => {
  it.each([
    ['Hello, world!', 'Hello , world !'],
    ['It costs $3.50, really.', 'It costs $ 3.50 , really .'],
    ['1,000 people; 10-20 kids', '1,000 people ; 10 - 20 kids'],
    ["don't x-ray", "don't x-ray"],
    ['A &amp; B &lt;i&gt; &quot;q&quot;', 'A & B < i > " q "'],
    ['  spaced\u00a0out  ', 'spaced out'],
  ])('%j -> %j', (input, expected) => expect(tokenize13a(input)).toBe(expected));
});

describe('chrF by hand', () => {
  it('identical output scores 100, nothing in common 0', () => {
    expect(corpusChrf(['ab cd'], [['abcd']]).score).toBeCloseTo(100, 10); // whitespace removed
    expect(corpusChrf(['xyz'], [['abc']]).score).toBe(0);
    expect(corpusChrf([''], [['abc']]).score).toBe(0);
  });
  it('averages over the orders both sides have', () => {
    // abc vs abd: 1-grams 2/3, 2-grams 1/2, 3-grams 0/1; orders 4-6 absent on both sides
    const p = (2 / 3 + 1 / 2 + 0) / 3;
    expect(corpusChrf(['abc'], [['abd']]).score).toBeCloseTo(100 * p, 10);
  });
  it('picks the best reference per segment', () => {
    const one = corpusChrf(['the cat'], [['the cat']]).score;
    expect(corpusChrf(['the cat'], [['a dog'], ['the cat']]).score).toBeCloseTo(one, 12);
  });
});

describe('formatFixed (Python rounding)', () => {
  it('rounds exact ties to even and everything else like toFixed', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(1.005, 2)).toBe('1.00'); // 1.005 is below the tie in binary
    expect(formatFixed(48.5266, 2)).toBe('48.53');
    expect(formatFixed(-0.125, 2)).toBe('-0.12');
  });
});
