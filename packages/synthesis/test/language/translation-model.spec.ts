import { Rng } from '@kt/core';
import {
  IbmModel1,
  NULL_TOKEN,
  parseProgram,
  primitivePrior,
  programTokens,
  replaceTokenSequence,
  scoreAbstraction,
  stemWord,
  tokenizeDescription,
  trainTranslationModel,
  textEditingSuite,
  type LanguageProgramPair,
  type ParallelPair,
} from '../../src';

/** Concepts: a description word and the program token it is written with (a one-to-one alignment). */
const CONCEPTS: [word: string, token: string][] = [
  ['double', 'dbl'],
  ['reverse', 'rev'],
  ['sum', 'add'],
  ['first', 'car'],
  ['sort', 'srt'],
  ['even', 'evn'],
  ['length', 'len'],
];

/** Pairs of 1–3 concepts each, words and tokens shuffled independently, plus "the" (aligned to nothing) half the time. */
function alignedCorpus(n: number, seed: number): { pairs: ParallelPair[]; truth: Map<string, string> } {
  const rng = Rng.fromSeed(seed);
  const pairs: ParallelPair[] = [];
  for (let i = 0; i < n; i++) {
    const picked = rng.permutation(CONCEPTS.length).slice(0, 1 + rng.int(3));
    const words = picked.map((k) => CONCEPTS[k]![0]);
    if (rng.int(2) === 0) words.push('the');
    pairs.push({ source: rng.shuffle(words), target: rng.shuffle(picked.map((k) => CONCEPTS[k]![1])) });
  }
  return { pairs, truth: new Map(CONCEPTS) };
}

describe('IBM Model 1', () => {
  it('converges to the known alignment of a synthetic parallel corpus', () => {
    const { pairs, truth } = alignedCorpus(120, 1);
    const { model } = IbmModel1.train(pairs, { iterations: 40 });
    for (const [word, token] of truth) {
      const [best] = model.translations(word, 1);
      expect(best![0]).toBe(token);
      expect(best![1]).toBeGreaterThan(0.9);
    }
    // Viterbi alignment of a new pair.
    const source = ['the', 'sort', 'double'];
    expect(model.align(source, ['dbl', 'srt'])).toEqual([2, 1]);
  });

  it('recovers the textbook example (the house / das Haus)', () => {
    const pairs: ParallelPair[] = [
      { source: ['the', 'house'], target: ['das', 'haus'] },
      { source: ['the', 'book'], target: ['das', 'buch'] },
      { source: ['a', 'book'], target: ['ein', 'buch'] },
    ];
    const { model } = IbmModel1.train(pairs, { iterations: 50 });
    expect(model.translations('the', 1)[0]![0]).toBe('das');
    expect(model.translations('book', 1)[0]![0]).toBe('buch');
    expect(model.translations('house', 1)[0]![0]).toBe('haus');
    expect(model.translations('a', 1)[0]![0]).toBe('ein');
  });

  it('never decreases the log-likelihood across EM iterations', () => {
    for (const seed of [2, 3, 4]) {
      const rng = Rng.fromSeed(seed);
      // Noisy: words partly correlated with tokens, partly random.
      const pairs: ParallelPair[] = Array.from({ length: 60 }, () => {
        const source = Array.from({ length: 1 + rng.int(5) }, () => `w${rng.int(12)}`);
        const target = source.map((w) => (rng.int(3) === 0 ? `t${rng.int(10)}` : `t${Number(w.slice(1)) % 10}`));
        return { source, target };
      });
      const { logLikelihoods } = IbmModel1.train(pairs, { iterations: 30 });
      expect(logLikelihoods).toHaveLength(31);
      for (let k = 1; k < logLikelihoods.length; k++) expect(logLikelihoods[k]!).toBeGreaterThanOrEqual(logLikelihoods[k - 1]! - 1e-9 * Math.abs(logLikelihoods[k - 1]!));
      expect(logLikelihoods.at(-1)!).toBeGreaterThan(logLikelihoods[0]! + 1);
    }
  });

  it('stops early at the tolerance and agrees with a fresh likelihood computation', () => {
    const { pairs } = alignedCorpus(60, 5);
    const full = IbmModel1.train(pairs, { iterations: 200 });
    const early = IbmModel1.train(pairs, { iterations: 200, tolerance: 1e-3 });
    expect(early.logLikelihoods.length).toBeLessThan(full.logLikelihoods.length);
    // The recorded value is the corpus log-likelihood of the returned model's unsmoothed table.
    const recomputed = pairs.reduce((s, { source, target }) => {
      const src = [NULL_TOKEN, ...source];
      return s + target.reduce((a, f) => a + Math.log(src.reduce((z, e) => z + early.model.rawProbability(f, e)!, 0) / src.length), 0);
    }, 0);
    expect(recomputed).toBeCloseTo(early.logLikelihoods.at(-1)!, 8);
  });

  it('handles unknown words: a proper distribution with an unknown slot, finite likelihoods', () => {
    const { pairs } = alignedCorpus(60, 6);
    const { model } = IbmModel1.train(pairs, { iterations: 20, unknownMass: 0.01 });
    for (const source of ['double', 'never-seen', NULL_TOKEN]) {
      const total = model.targetVocabulary.reduce((s, f) => s + model.probability(f, source), 0) + model.probability('<some unknown token>', source);
      expect(total).toBeCloseTo(1, 10);
    }
    expect(model.rawProbability('dbl', 'never-seen')).toBeUndefined();
    const ll = model.logLikelihood(['never-seen', 'double'], ['dbl', 'zzz']);
    expect(Number.isFinite(ll)).toBe(true);
    expect(model.logLikelihood(['double'], ['dbl'])).toBeGreaterThan(model.logLikelihood(['double'], ['zzz']));
  });

  it('round-trips through JSON', () => {
    const { pairs } = alignedCorpus(40, 7);
    const { model } = IbmModel1.train(pairs, { iterations: 10 });
    const back = IbmModel1.fromJson(JSON.parse(JSON.stringify(model.toJson())));
    expect(back.logLikelihood(['sum', 'the'], ['add', 'x'])).toBe(model.logLikelihood(['sum', 'the'], ['add', 'x']));
    expect(() => IbmModel1.fromJson({ ...model.toJson(), format: 'other' as never })).toThrow(/not an IBM Model 1/);
  });

  it('rejects bad options', () => {
    expect(() => IbmModel1.train([], { iterations: -1 })).toThrow(/iterations/);
    expect(() => IbmModel1.train([], { unknownMass: 0 })).toThrow(/unknownMass/);
  });
});

describe('tokenizeDescription', () => {
  it('lowercases, stems plurals, turns number words into digits and keeps quoted or standalone punctuation', () => {
    expect(tokenizeDescription('Replace every "." with a ","')).toEqual(['replace', 'every', '.', 'with', 'a', ',']);
    expect(tokenizeDescription('Keep the first two numbers, then stop.')).toEqual(['keep', 'the', 'first', '2', 'number', 'then', 'stop']);
    expect(tokenizeDescription('remove all the dashes - and @ signs')).toEqual(['remove', 'all', 'the', 'dash', '-', 'and', '@', 'sign']);
    expect(tokenizeDescription("add 'x' after its class")).toEqual(['add', 'x', 'after', 'its', 'class']);
    expect(tokenizeDescription('   ')).toEqual([]);
    expect(stemWord('boxes')).toBe('box');
    expect(stemWord('cities')).toBe('city');
    expect(stemWord('this')).toBe('this');
  });
});

describe('program tokens', () => {
  it('lists primitives and learned functions in pre-order and rewrites token sequences', () => {
    expect(programTokens(parseProgram('(lambda (map (lambda (+ $0 1)) (reverse $0)))'))).toEqual(['map', '+', '1', 'reverse']);
    expect(replaceTokenSequence(['map', '+', '1', 'map', '+', '1', 'car'], ['map', '+', '1'], 'inc')).toEqual(['inc', 'inc', 'car']);
    expect(replaceTokenSequence(['a', 'a', 'a'], ['a', 'a'], 'b')).toEqual(['b', 'a']);
    expect(() => replaceTokenSequence(['a'], [], 'b')).toThrow(/empty/);
  });
});

describe('LAPS translation model', () => {
  /** Concepts written with several tokens that share primitives (map, +, *), so words and tokens align many-to-one. */
  const PHRASES: [word: string, tokens: string[]][] = [
    ['increment', ['map', '+', '1']],
    ['double', ['map', '*', '2']],
    ['total', ['fold', '+', '0']],
    ['product', ['fold', '*', '1']],
    ['reverse', ['reverse']],
    ['first', ['car']],
  ];
  function corpus(n: number, seed: number): LanguageProgramPair[] {
    const rng = Rng.fromSeed(seed);
    return Array.from({ length: n }, () => {
      const picked = rng.permutation(PHRASES.length).slice(0, 1 + rng.int(3));
      const tokens = picked.flatMap((k) => PHRASES[k]![1]);
      // Unaligned filler (no word says it), as often as "increment".
      if (rng.int(3) === 0) tokens.push('cons', '0', 'empty');
      const words = rng.shuffle([...picked.map((k) => PHRASES[k]![0]), ...(rng.int(2) === 0 ? ['the', 'list'] : ['each'])]);
      return { words, tokens };
    });
  }

  it('scores an abstraction that matches a word above one of the same length and frequency that does not', () => {
    const data = corpus(150, 8);
    const count = (p: string[]): number => data.filter((d) => replaceTokenSequence(d.tokens, p, 'X').length < d.tokens.length).length;
    const aligned = ['map', '+', '1'];
    const filler = ['cons', '0', 'empty'];
    expect(Math.abs(count(aligned) - count(filler))).toBeLessThan(25);
    const a = scoreAbstraction(
      data,
      data.map((d) => replaceTokenSequence(d.tokens, aligned, 'increment-fn')),
      { iterations: 30 },
    );
    const b = scoreAbstraction(
      data,
      data.map((d) => replaceTokenSequence(d.tokens, filler, 'filler-fn')),
      { iterations: 30 },
    );
    expect(a.before).toBeCloseTo(b.before, 10);
    expect(a.gain).toBeGreaterThan(0);
    expect(a.gain).toBeGreaterThan(b.gain);
    expect(() => scoreAbstraction(data, [], {})).toThrow(/rewritten/);
  });

  it('turns a description into a normalised prior over primitives that favours the described ones', () => {
    const { model, wordsGivenTokensLogLikelihoods, tokensGivenWordsLogLikelihoods } = trainTranslationModel(corpus(150, 9), { iterations: 30 });
    for (const lls of [wordsGivenTokensLogLikelihoods, tokensGivenWordsLogLikelihoods]) for (let k = 1; k < lls.length; k++) expect(lls[k]!).toBeGreaterThanOrEqual(lls[k - 1]! - 1e-9);
    const primitives = ['map', '+', '1', '*', '2', 'fold', '0', 'reverse', 'car', 'cons', 'empty', 'filter'];
    const prior = primitivePrior(model, ['reverse', 'the', 'list'], primitives);
    expect([...prior.values()].reduce((s, x) => s + Math.exp(x), 0)).toBeCloseTo(1, 10);
    const ranked = [...prior].sort((x, y) => y[1] - x[1]).map(([p]) => p);
    expect(ranked[0]).toBe('reverse');
    // 'filter' never occurs in training: finite, and at the bottom.
    expect(Number.isFinite(prior.get('filter')!)).toBe(true);
    expect(ranked.at(-1)).toBe('filter');
    // Unknown words are not fatal and dilute the prior towards uniform; weight 0 is uniform.
    const withUnknown = primitivePrior(model, ['reverse', 'frobnicate'], primitives);
    expect(withUnknown.get('reverse')!).toBeLessThan(primitivePrior(model, ['reverse'], primitives).get('reverse')!);
    expect([...withUnknown].sort((x, y) => y[1] - x[1])[0]![0]).toBe('reverse');
    for (const v of primitivePrior(model, ['double'], primitives, { weight: 0 }).values()) expect(v).toBeCloseTo(-Math.log(primitives.length), 10);
    const double = primitivePrior(model, ['double'], primitives);
    expect(double.get('*')!).toBeGreaterThan(double.get('+')!);
    expect(double.get('2')!).toBeGreaterThan(double.get('1')!);
    expect(() => primitivePrior(model, ['double'], primitives, { uniformMix: 2 })).toThrow(/uniformMix/);
    expect(() => trainTranslationModel([])).toThrow(/empty/);
  });

  it('learns from the string-editing suite: the words of a description raise its reference program tokens', () => {
    const suite = textEditingSuite();
    const solved = suite.tasks.filter((t) => t.program !== undefined);
    const data = solved.flatMap((t) => t.descriptions.map((d) => ({ words: tokenizeDescription(d), tokens: programTokens(parseProgram(t.program!)) })));
    const { model } = trainTranslationModel(data, { iterations: 25 });
    const vocabulary = [...new Set(data.flatMap((d) => d.tokens))];
    const top = (text: string, k: number): string[] =>
      [...primitivePrior(model, tokenizeDescription(text), vocabulary)]
        .sort((x, y) => y[1] - x[1])
        .slice(0, k)
        .map(([p]) => p);
    expect(top('make everything uppercase', 3)).toContain('upper');
    expect(top('split the text at every comma', 3)).toContain('split');
  });
});
