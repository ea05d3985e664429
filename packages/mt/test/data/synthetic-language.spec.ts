import { syntheticDictionary, syntheticLexicon, syntheticPairs } from '../../src/data';
import { corpusBleu } from '../../src/metrics';

describe('syntheticPairs', () => {
  const pairs = syntheticPairs({ n: 3000, seed: 1 });

  it('is deterministic for a seed', () => {
    expect(syntheticPairs({ n: 3000, seed: 1 })).toEqual(pairs);
    expect(syntheticPairs({ n: 50, seed: 2 })).not.toEqual(pairs.slice(0, 50));
  });

  it('has a vocabulary of a few hundred source words and short sentences', () => {
    const srcVocab = new Set(pairs.flatMap((p) => p.src.split(' ')));
    expect(srcVocab.size).toBeGreaterThan(250);
    expect(srcVocab.size).toBeLessThan(600);
    const maxLen = Math.max(...pairs.flatMap((p) => [p.src.split(' ').length, p.tgt.split(' ').length]));
    expect(maxLen).toBeLessThanOrEqual(20);
    expect(new Set(pairs.map((p) => p.src)).size).toBeGreaterThan(2900);
  });

  it('moves the verb to the end (SOV) with a subject-agreement suffix', () => {
    const lex = syntheticLexicon();
    const verbStems = [...lex.transitive, ...lex.intransitive].map((v) => v.stem);
    for (const p of pairs.slice(0, 300)) {
      const tgt = p.tgt.split(' ');
      const verb = tgt[tgt.length - 2]!;
      expect(verbStems.some((s) => verb.startsWith(s))).toBe(true);
      expect(verb).toMatch(/(am|ef|in|amo|efo|ino)$/);
    }
  });

  it('makes determiner and verb agree with the gender of the subject noun', () => {
    const lex = syntheticLexicon();
    const byGender = [0, 1, 2].map((g) => lex.animate.filter((n) => n.gender === g));
    expect(byGender.every((ns) => ns.length > 0)).toBe(true);
    // the 'the' + singular subject without PP or adjectives: target starts "<det> <noun>", verb suffix by gender
    const defSg = ['lo', 'la', 'le'];
    const verbSg = ['am', 'ef', 'in'];
    let checked = 0;
    for (const p of pairs) {
      const src = p.src.split(' ');
      const noun = lex.animate.find((n) => n.sg === src[1]);
      if (src[0] !== 'the' || noun === undefined) continue;
      const tgt = p.tgt.split(' ');
      const at = tgt.indexOf(noun.stem);
      if (at < 1 || !defSg.includes(tgt[at - 1]!)) continue; // subject is not the first NP (a PP comes first)
      expect(tgt[at - 1]).toBe(defSg[noun.gender]);
      expect(tgt[tgt.length - 2]!.endsWith(verbSg[noun.gender]!)).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('cannot be solved by copying or by a monotone word-for-word dictionary', () => {
    const refs = [pairs.map((p) => p.tgt)];
    const copy = corpusBleu(pairs.map((p) => p.src), refs).score;
    const dict = syntheticDictionary();
    const gloss = pairs.map((p) => p.src.split(' ').map((w) => dict.get(w) ?? w).join(' '));
    const glossBleu = corpusBleu(gloss, refs).score;
    expect(copy).toBeLessThan(2);
    expect(glossBleu).toBeLessThan(20);
    expect(corpusBleu(refs[0]!, refs).score).toBeCloseTo(100, 8);
  });
});
