import { Rng } from '../../src/runtime/rng';

describe('Rng.shuffle and Rng.permutation', () => {
  it('permutation(n) holds each of 0..n-1 once, is fixed by the seed and differs between seeds', () => {
    const p = Rng.fromSeed(1).permutation(50);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Rng.fromSeed(1).permutation(50)).toEqual(p);
    expect(Rng.fromSeed(2).permutation(50)).not.toEqual(p);
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Rng.fromSeed(1).permutation(0)).toEqual([]);
  });

  it('shuffle permutes in place and returns its argument; derive(seed, key) streams differ by key', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const same = Rng.derive(3, 7).shuffle(items);
    expect(same).toBe(items);
    expect([...items].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(Rng.derive(3, 7).permutation(20)).toEqual(Rng.derive(3, 7).permutation(20));
    expect(Rng.derive(3, 7).permutation(20)).not.toEqual(Rng.derive(3, 8).permutation(20));
  });

  it('every position is equally likely (Fisher–Yates, not a biased swap)', () => {
    const rng = Rng.fromSeed(5);
    const counts = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
    const trials = 8000;
    for (let t = 0; t < trials; t++) rng.permutation(4).forEach((v, pos) => counts[v]![pos]!++);
    for (const row of counts) for (const c of row) expect(Math.abs(c / trials - 0.25)).toBeLessThan(0.03);
  });
});
