import { Rng } from '@kt/core';
import { makeTriples } from '../../src/data';
import { bernoulliHeadProbabilities, NegativeSampler } from '../../src/sampling';

describe('negative sampling', () => {
  // relation 0: one head with 3 tails (1-N) → tph 3, hpt 1 → P(corrupt head) = 0.75; relation 1: N-1 → 0.25
  const train = makeTriples([[0, 0, 1], [0, 0, 2], [0, 0, 3], [1, 1, 0], [2, 1, 0], [3, 1, 0]]);

  it('Bernoulli probabilities are tph / (tph + hpt)', () => {
    expect(Array.from(bernoulliHeadProbabilities(train, 3))).toEqual([0.75, 0.25, 0.5]);
  });

  it('corrupts one end per positive, reproducibly from core Rng, with the Bernoulli rate', () => {
    const s = new NegativeSampler(train, 5, 2, { kind: 'bernoulli', count: 4, filtered: false });
    const batch = makeTriples(Array.from({ length: 2000 }, () => [0, 0, 1] as [number, number, number]));
    const a = s.sample(batch, Rng.fromSeed(3));
    expect(s.sample(batch, Rng.fromSeed(3))).toEqual(a);
    const heads = a.corruptHead.reduce((x, y) => x + y, 0) / 2000;
    expect(Math.abs(heads - 0.75)).toBeLessThan(0.04);
    for (let i = 0; i < 2000; i++) {
      for (let j = 0; j < 4; j++) {
        const o = i * 4 + j;
        if (a.corruptHead[i]) expect(a.t[o]).toBe(1);
        else expect(a.h[o]).toBe(0);
      }
    }
  });

  it('filtered sampling avoids known training triples', () => {
    const batch = makeTriples(Array.from({ length: 300 }, () => [0, 0, 1] as [number, number, number]));
    const plain = new NegativeSampler(train, 5, 2, { kind: 'uniform', count: 3, filtered: false }).sample(batch, Rng.fromSeed(1));
    const filtered = new NegativeSampler(train, 5, 2, { kind: 'uniform', count: 3, filtered: true, maxTries: 50 }).sample(batch, Rng.fromSeed(1));
    const knownTail = (b: typeof plain): number => Array.from(b.t).filter((t, o) => !b.corruptHead[Math.floor(o / 3)] && [1, 2, 3].includes(t)).length;
    expect(knownTail(plain)).toBeGreaterThan(50);
    expect(knownTail(filtered)).toBe(0);
  });
});
