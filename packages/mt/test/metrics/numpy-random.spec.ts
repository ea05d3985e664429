import { NumpyGenerator, Pcg64, seedSequenceState } from '../../src/metrics/numpy-random';

// Values printed by numpy 2.4 (the venv of fixtures/make-sacrebleu-vectors.py):
//   np.random.SeedSequence(12345).generate_state(8)
//   np.random.default_rng(12345).bit_generator.random_raw(2)
//   np.random.default_rng(12345).choice(7, size=(2, 5), replace=True)
//   np.random.default_rng(12345).integers(2, size=(2, 40), dtype=bool)
//   r = np.random.default_rng(7); r.choice(1000, size=(3,)); r.choice(3, size=(8,))
describe("numpy's default_rng reproduced", () => {
  it('SeedSequence state and PCG64 raw outputs', () => {
    expect(seedSequenceState(12345, 8)).toEqual([2688385916, 3048105090, 4196366895, 3152189807, 924159892, 1692637855, 2685664627, 1052446614]);
    const bits = new Pcg64(12345);
    expect([bits.nextUint64(), bits.nextUint64()]).toEqual([4193609425186963869n, 5843160025838961886n]);
  });

  it('choice(n, size, replace=True) and integers(2, dtype=bool)', () => {
    expect(Array.from(new NumpyGenerator(12345).integers(7, 10))).toEqual([4, 1, 5, 2, 1, 5, 4, 4, 6, 2]);
    const bools = Array.from(new NumpyGenerator(12345).booleans(80));
    expect(bools.join('')).toBe(
      [1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1].join('') +
        [1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1].join(''),
    );
    const g = new NumpyGenerator(7);
    expect(Array.from(g.integers(1000, 3))).toEqual([944, 625, 684]);
    expect(Array.from(g.integers(3, 8))).toEqual([2, 1, 2, 2, 0, 0, 0, 0]);
  });
});
