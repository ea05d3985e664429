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

describe('Rng.categorical and Rng.normals', () => {
  it('draws each index in proportion to its weight (chi-square within bounds) and never a zero-weight one', () => {
    const rng = Rng.fromSeed(5);
    const weights = [0.1, 0, 0.6, 0.3];
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[rng.categorical(weights)]! += 1;
    expect(counts[1]).toBe(0);
    const chi2 = [0, 2, 3].reduce((s, k) => s + (counts[k]! - n * weights[k]!) ** 2 / (n * weights[k]!), 0);
    expect(chi2).toBeLessThan(13.8); // 2 degrees of freedom, p = 0.001
  });

  it('rejects negative or all-zero weights', () => {
    const rng = Rng.fromSeed(1);
    expect(() => rng.categorical([0.5, -1])).toThrow(/non-negative/);
    expect(() => rng.categorical([0, 0])).toThrow(/positive weight/);
  });

  it('normals have the requested scale', () => {
    const xs = Rng.fromSeed(9).normals(20000, 3);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(sd).toBeGreaterThan(2.9);
    expect(sd).toBeLessThan(3.1);
  });
});
