import { configDifferences } from '../src/config-diff';

describe('configDifferences', () => {
  it('is empty for equal configs whatever the key order', () => {
    expect(configDifferences({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 })).toEqual([]);
  });
  it('names the dotted path of every differing leaf, including missing keys', () => {
    expect(configDifferences({ train: { lr: 0.1, steps: 5 }, name: 'a' }, { train: { lr: 0.2, steps: 5 }, name: 'a', extra: true })).toEqual([
      'extra',
      'train.lr',
    ]);
    expect(configDifferences({ l: [1, 2] }, { l: [2, 1] })).toEqual(['l']);
  });
});
