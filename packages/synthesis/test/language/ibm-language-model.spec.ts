import { callableKey, descriptionLength, Grammar, ibmLanguageModel, invented, listPrimitives, parseProgram, parseType } from '../../src';

describe('ibmLanguageModel', () => {
  const g = Grammar.uniform(listPrimitives());
  const keys = g.productions.map(callableKey);
  const at = (prior: readonly number[], k: string): number => prior[keys.indexOf(k)]!;
  const corpus = [
    { words: ['reverse', 'the', 'list'], programs: [parseProgram('(lambda (reverse $0))')] },
    { words: ['sum', 'the', 'list'], programs: [parseProgram('(lambda (sum $0))')] },
    { words: ['drop', 'the', 'first'], programs: [parseProgram('(lambda (cdr $0))')] },
    { words: ['reverses', 'then', 'drop', 'the', 'first'], programs: [parseProgram('(lambda (cdr (reverse $0)))')] },
    { words: ['sum', 'after', 'dropping', 'first'], programs: [parseProgram('(lambda (sum (cdr $0)))')] },
  ];

  it('has no opinion before it is fitted, without words, or fitted on nothing usable', () => {
    const lm = ibmLanguageModel();
    expect(lm.primitivePrior(['reverse'], g.productions)).toBeUndefined();
    lm.fit([{ words: [], programs: [parseProgram('(lambda (reverse $0))')] }]);
    expect(lm.primitivePrior(['reverse'], g.productions)).toBeUndefined();
    lm.fit(corpus);
    expect(lm.primitivePrior([], g.productions)).toBeUndefined();
  });

  it('moves weight to the primitive a word names, aligned to the grammar’s choices', () => {
    const lm = ibmLanguageModel();
    lm.fit(corpus);
    const prior = lm.primitivePrior(['reverse', 'the', 'list'], g.productions)!;
    expect(prior).toHaveLength(g.productions.length + 1);
    expect(prior.at(-1)).toBe(0);
    expect(prior.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 9);
    for (const k of keys) if (k !== 'reverse') expect(at(prior, 'reverse')).toBeGreaterThan(at(prior, k));
    expect(at(prior, 'reverse')).toBeGreaterThan(0);
    // Stemmed: "reverses" (only in a training description) and "reverse" share the statistics.
    const s = lm.primitivePrior(['sum'], g.productions)!;
    expect(at(s, 'sum')).toBeGreaterThan(at(s, 'reverse'));
    // Conditioning the grammar the way runWakeSleep does shortens the program the words describe.
    const conditioned = new Grammar(g.productions, g.unigram.map((w, i) => w + prior[i]!), g.bigram);
    const req = parseType('list(int) -> list(int)');
    const p = parseProgram('(lambda (reverse $0))');
    expect(descriptionLength(conditioned, req, p)).toBeLessThan(descriptionLength(g, req, p) - 1);
    // strength 0 turns it off.
    const off = ibmLanguageModel({ strength: 0 });
    off.fit(corpus);
    expect(off.primitivePrior(['reverse'], g.productions)!.every((x) => x === 0)).toBe(true);
  });

  it('keys learned functions by their printed form', () => {
    const inv = invented(parseProgram('(lambda (reverse (cdr $0)))'));
    const g2 = new Grammar([...g.productions, inv], [...g.unigram.slice(0, -1), 0, g.unigram.at(-1)!], new Map());
    const lm = ibmLanguageModel();
    lm.fit([...corpus, { words: ['flip', 'tail'], programs: [parseProgram('(lambda (#(lambda (reverse (cdr $0))) $0))')] }]);
    const prior = lm.primitivePrior(['flip'], g2.productions)!;
    expect(prior).toHaveLength(g2.productions.length + 1);
    const inventedIndex = g2.productions.length - 1;
    expect(prior[inventedIndex]).toBe(Math.max(...prior));
  });
});
