import {
  callableKey,
  conditionGrammar,
  descriptionLength,
  Grammar,
  listFunctionsSuite,
  listPrimitives,
  parseProgram,
  parseType,
  primitivePrior,
  PRIMITIVE_SETS,
  programTokens,
  textEditingSuite,
  tokenizeDescription,
  trainTranslationModel,
  type TaskSuite,
} from '../../src';

describe('conditionGrammar', () => {
  const g = Grammar.uniform(listPrimitives());

  it('shifts the named productions by the centred prior and leaves the rest and the variable weight alone', () => {
    const prior = new Map([
      ['map', Math.log(0.5)],
      ['reverse', Math.log(0.25)],
      ['sum', Math.log(0.25)],
    ]);
    const c = conditionGrammar(g, prior, 2);
    const at = (k: string): number => c.unigram[g.productions.findIndex((p) => callableKey(p) === k)]!;
    const mean = (Math.log(0.5) + 2 * Math.log(0.25)) / 3;
    expect(at('map')).toBeCloseTo(2 * (Math.log(0.5) - mean), 12);
    expect(at('sum')).toBeCloseTo(2 * (Math.log(0.25) - mean), 12);
    expect(at('car')).toBe(0);
    expect(c.unigram.at(-1)).toBe(g.unigram.at(-1));
    const req = parseType('list(int) -> list(int)');
    const p = parseProgram('(lambda (map (lambda (+ $0 1)) $0))');
    expect(descriptionLength(c, req, p)).toBeLessThan(descriptionLength(g, req, p));
    expect(descriptionLength(conditionGrammar(g, prior, 0), req, p)).toBeCloseTo(descriptionLength(g, req, p), 12);
    expect(conditionGrammar(g, new Map([['no-such', 0]]))).toBe(g);
    expect(() => conditionGrammar(g, new Map([['map', -Infinity]]))).toThrow(/map/);
  });
});

/**
 * LAPS at test time on the suites: the translation model is fitted on the train split's reference programs
 * and descriptions only; for each test task (its family unseen in training) the grammar conditioned on its
 * first description gives its reference program a shorter description length than the uniform grammar —
 * for most tasks, and by more than a nat on average (e^1 fewer programs before it in enumeration order).
 */
describe.each([
  ['list-functions', (): TaskSuite => listFunctionsSuite()],
  ['text-editing', (): TaskSuite => textEditingSuite()],
])('language-conditioned search prior on held-out %s tasks', (_name, make) => {
  it('shortens most test programs', () => {
    const suite = make();
    const g = Grammar.uniform(PRIMITIVE_SETS[suite.primitives]());
    const keys = g.productions.map(callableKey);
    const data = suite.train
      .filter((t) => t.program !== undefined)
      .flatMap((t) => t.descriptions.map((d) => ({ words: tokenizeDescription(d), tokens: programTokens(parseProgram(t.program!)) })));
    const { model } = trainTranslationModel(data, { iterations: 25 });
    const tests = suite.test.filter((t) => t.program !== undefined);
    expect(tests.length).toBeGreaterThanOrEqual(30);
    const gains = tests.map((t) => {
      const req = parseType(t.type);
      const p = parseProgram(t.program!);
      const prior = primitivePrior(model, tokenizeDescription(t.descriptions[0]!), keys);
      return descriptionLength(g, req, p) - descriptionLength(conditionGrammar(g, prior), req, p);
    });
    expect(gains.filter((x) => x > 0).length).toBeGreaterThanOrEqual(0.7 * gains.length);
    expect(gains.reduce((a, b) => a + b, 0) / gains.length).toBeGreaterThan(1);
  });
});
