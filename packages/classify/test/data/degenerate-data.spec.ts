import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '@kt/core';
import { tempDirs } from '@kt/core/testing';
import { ClassifyDataSchema } from '../../src/config-schema';
import { DataError, loadClassificationData, loadMnistPackage, splitTrainValTest, type ClassificationSplit } from '@kt/vision';

/** n examples of one feature whose labels are `labels` (cycled). */
function split(n: number, labels: number[]): ClassificationSplit {
  const y = Int32Array.from({ length: n }, (_, i) => labels[i % labels.length]!);
  return { x: Float32Array.from({ length: n }, (_, i) => i), y, n, shape: [1], numClasses: Math.max(...labels) + 1 };
}

describe('degenerate classification data is rejected up front, naming the file', () => {
  const dir = tempDirs('kt-classify-degenerate-')();

  const csv = (name: string, rows: Array<[number, number, number]>): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, rows.map((r) => r.join(',')).join('\n') + '\n');
    return file;
  };
  const load = (file: string): unknown => loadClassificationData(ClassifyDataSchema.parse({ source: 'csv', path: file }));

  it('a CSV with one class is a ConfigError (exit 2) naming the file and the label', () => {
    const file = csv('digits.csv', Array.from({ length: 40 }, (_, i) => [i, -i, 3] as [number, number, number]));
    expect(() => load(file)).toThrow(ConfigError);
    expect(() => load(file)).toThrow(`${file}: 1 class (label 3) — classification needs at least 2`);
  });

  it('a 5-row CSV whose split leaves val empty is a ConfigError naming the file and the fraction', () => {
    const file = csv('five.csv', [[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]]);
    expect(() => load(file)).toThrow(ConfigError);
    expect(() => load(file)).toThrow(`${file}: 5 rows give an empty val split (valFraction 0.1): add rows or raise the fraction`);
  });

  it('splitTrainValTest: every part non-empty, train with two classes, fractions that leave a train part', () => {
    expect(() => splitTrainValTest(split(30, [0, 1]), { valFraction: 0.5, testFraction: 0.5, seed: 0, file: 'f.csv' })).toThrow(
      /f\.csv: valFraction 0\.5 and testFraction 0\.5 leave no training fraction/,
    );
    expect(() => splitTrainValTest(split(3, [0, 1, 2]), { valFraction: 0.1, testFraction: 0.2, seed: 0, file: 'f.csv' })).toThrow(
      'f.csv: 3 rows give an empty val split (valFraction 0.1)',
    );
    // two classes, but the only rows of class 1 are too few to reach train
    const rare = split(40, [0]);
    rare.y[0] = 1;
    rare.numClasses = 2;
    expect(() => splitTrainValTest(rare, { valFraction: 0.4, testFraction: 0.5, seed: 0, file: 'f.csv' })).toThrow(
      /f\.csv: the train split \(\d+ of 40 rows\) has 1 class \(label 0\)/,
    );
    const ok = splitTrainValTest(split(40, [0, 1]), { valFraction: 0.1, testFraction: 0.2, seed: 0, file: 'f.csv' });
    expect([ok.train.n, ok.val.n, ok.test.n]).toEqual([28, 4, 8]);
  });

  it('MNIST perDigit too small to give every split an example is an error; 4 is the least that works', () => {
    for (const [perDigit, empty] of [[1, 'train'], [2, 'val'], [3, 'val']] as const) {
      expect(() => loadMnistPackage({ perDigit })).toThrow(DataError);
      expect(() => loadMnistPackage({ perDigit })).toThrow(`perDigit ${perDigit} gives an empty ${empty} split`);
    }
    const smallest = loadMnistPackage({ perDigit: 4 });
    expect([smallest.train.n, smallest.val.n, smallest.test.n]).toEqual([20, 10, 10]);
    expect(() => loadClassificationData(ClassifyDataSchema.parse({ source: 'mnist', perDigit: 2 }))).toThrow(ConfigError);
  });
});
