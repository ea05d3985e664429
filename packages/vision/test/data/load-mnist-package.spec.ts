import * as fs from 'fs';
import * as path from 'path';
import {
  classCounts,
  loadMnistPackage,
  mnistPackageDigitsDir,
  MNIST_PIXELS,
  parseMnistDigitFile,
} from '../../src/data';

/** Exact equality of large typed arrays (jest's toEqual walks them element by element: far too slow for 5M values). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('loadMnistPackage', () => {
  const full = loadMnistPackage();

  it('returns 10,000 28x28x1 examples split 70/10/20 within each digit', () => {
    expect(full.train.n + full.val.n + full.test.n).toBe(10000);
    for (const split of [full.train, full.val, full.test]) {
      expect(split.shape).toEqual([28, 28, 1]);
      expect(split.numClasses).toBe(10);
      expect(split.x.length).toBe(split.n * MNIST_PIXELS);
      expect(split.y.length).toBe(split.n);
    }
    // per-digit counts in the package: 1001 1127 991 1032 980 863 1014 1070 944 978
    const perDigit = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    expect(classCounts(full.train)).toEqual(perDigit.map((n) => Math.floor((7 * n) / 10)));
    expect(classCounts(full.val)).toEqual(perDigit.map((n) => Math.floor((8 * n) / 10) - Math.floor((7 * n) / 10)));
    expect(classCounts(full.test)).toEqual(perDigit.map((n) => n - Math.floor((8 * n) / 10)));
  });

  it('has pixel values in [0, 1] with real ink in every image', () => {
    for (const split of [full.train, full.val, full.test]) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of split.x) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect(min).toBe(0);
      expect(max).toBeLessThanOrEqual(1);
      expect(max).toBeGreaterThan(0.99);
      for (let i = 0; i < split.n; i += 97) {
        const ink = split.x.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS).reduce((a, b) => a + b, 0);
        expect(ink).toBeGreaterThan(10);
      }
    }
  });

  it('interleaves classes so a prefix is balanced, and is identical across calls', () => {
    expect(Array.from(full.train.y.subarray(0, 20))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again = loadMnistPackage();
    expect(sameBytes(again.train.x, full.train.x)).toBe(true);
    expect(sameBytes(again.test.y, full.test.y)).toBe(true);
    expect(again.train.x).not.toBe(full.train.x); // fresh arrays, cache not exposed
  });

  it('keeps train, val and test disjoint (no identical image in two splits)', () => {
    const key = (x: Float32Array, i: number): string =>
      Buffer.from(x.buffer, x.byteOffset + i * MNIST_PIXELS * 4, MNIST_PIXELS * 4).toString('base64');
    const train = new Set<string>();
    for (let i = 0; i < full.train.n; i++) train.add(key(full.train.x, i));
    let shared = 0;
    for (let i = 0; i < full.test.n; i++) if (train.has(key(full.test.x, i))) shared++;
    expect(shared).toBe(0);
  });

  it('perDigit takes the first examples of each digit before splitting', () => {
    const small = loadMnistPackage({ perDigit: 50 });
    expect([small.train.n, small.val.n, small.test.n]).toEqual([350, 50, 100]);
    expect(classCounts(small.train)).toEqual(new Array(10).fill(35));
    // the first 35 train images of each digit are the same as in the full load
    expect(sameBytes(small.train.x, full.train.x.subarray(0, 350 * MNIST_PIXELS))).toBe(true);
    expect(sameBytes(small.train.x, full.train.x.subarray(MNIST_PIXELS, 351 * MNIST_PIXELS))).toBe(false);
    expect(() => loadMnistPackage({ perDigit: 0 })).toThrow(/perDigit/);
  });

  it('fast parser equals JSON.parse on a real digit file, and falls back for other numbers', () => {
    const file = path.join(mnistPackageDigitsDir(), '3.json');
    const bytes = fs.readFileSync(file);
    const expected = Float32Array.from((JSON.parse(bytes.toString('utf8')) as { data: number[] }).data);
    const parsed = parseMnistDigitFile(bytes, file);
    expect(parsed.length).toBe(expected.length);
    expect(sameBytes(parsed, expected)).toBe(true);
    expect(parseMnistDigitFile(Buffer.from('{ "data": [1e-1, -0.5, 2] }'))).toEqual(Float32Array.from([0.1, -0.5, 2]));
    expect(parseMnistDigitFile(Buffer.from('{"data":[ 0.25 ,1,\n0 ]}'))).toEqual(Float32Array.from([0.25, 1, 0]));
    expect(() => parseMnistDigitFile(Buffer.from('{"data": [1, 2'), 'bad.json')).toThrow(/bad\.json.*invalid JSON/);
  });
});
