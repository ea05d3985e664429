import { ConfigError } from '@kt/core';
import { classCounts, type ClassificationSplit } from '@kt/vision';
import { loadSourceData, loadTargetData, TargetDataSchema } from '../../src';

const images = { source: 'mnist', perDigit: 60 } as const; // 42 train / 6 val / 12 test images per digit

function rows(split: ClassificationSplit): Set<string> {
  const d = split.x.length / split.n;
  return new Set(Array.from({ length: split.n }, (_, i) => Buffer.from(split.x.buffer, split.x.byteOffset + i * d * 4, d * 4).toString('base64')));
}

describe('target and source data', () => {
  it('carves a per-class validation split from the training images, disjoint from the labelled ones, relabelled in list order', () => {
    const data = loadTargetData(TargetDataSchema.parse({ images, classes: [7, 5, 9], labelsPerClass: 10, valPerClass: 8, testPerClass: 5 }));
    expect(classCounts(data.train)).toEqual([10, 10, 10]);
    expect(classCounts(data.val)).toEqual([8, 8, 8]);
    expect(classCounts(data.test)).toEqual([5, 5, 5]);
    expect(data.classes).toEqual([7, 5, 9]);
    const train = rows(data.train);
    for (const r of rows(data.val)) expect(train.has(r)).toBe(false);
    // `all`: every training image of the class not in the validation split (42 − 8 per digit).
    const all = loadTargetData(TargetDataSchema.parse({ images, classes: [7, 5, 9], labelsPerClass: 'all', valPerClass: 8 }));
    expect(classCounts(all.train)).toEqual([34, 34, 34]);
    // The same seed draws the same images (so does the content hash); another seed others.
    expect(loadTargetData(TargetDataSchema.parse({ images, classes: [7, 5, 9], labelsPerClass: 10, valPerClass: 8, testPerClass: 5 })).contentHash).toBe(data.contentHash);
    const other = loadTargetData(TargetDataSchema.parse({ images, classes: [7, 5, 9], labelsPerClass: 10, valPerClass: 8, testPerClass: 5, sampleSeed: 1 }));
    expect(other.contentHash).not.toBe(data.contentHash);
  });

  it('names the class that has too few images, and classes the images do not have', () => {
    expect(() => loadTargetData(TargetDataSchema.parse({ images, classes: [1, 2], labelsPerClass: 40, valPerClass: 5 }))).toThrow(
      new ConfigError('data.target: class 1 has 42 training images, fewer than valPerClass 5 + labelsPerClass 40'),
    );
    expect(() => loadSourceData({ images, classes: [3, 12] })).toThrow(/data\.source\.classes: class 12 is not in the images \(they have classes 0–9\)/);
  });

  it('source data keeps the images\' own splits of the listed classes; the hash changes with the class list', () => {
    const a = loadSourceData({ images, classes: [0, 1, 2, 3, 4] });
    expect(classCounts(a.train)).toEqual([42, 42, 42, 42, 42]);
    expect(a.val.n).toBe(30);
    expect(loadSourceData({ images, classes: [0, 1, 2, 3] }).contentHash).not.toBe(a.contentHash);
  });
});
