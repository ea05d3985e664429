import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { classCounts, DataError, loadCsvClassification } from '../../src/data';
import { sharedDataDir } from './shared-data';

describe('loadCsvClassification', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-classify-csv-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: string | Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  /** Runs `fn`, expecting a DataError; returns it. */
  const dataError = (fn: () => unknown): DataError => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      return e as DataError;
    }
    throw new Error('expected a DataError');
  };

  it('reads features and the last-column label, auto-detecting a header, with scale', () => {
    const file = write('small.csv', 'a,b,label\r\n1,2,0\r\n3,4,2\r\n\r\n5,6,1\r\n');
    const s = loadCsvClassification(file, { scale: 0.5 });
    expect(s.n).toBe(3);
    expect(s.shape).toEqual([2]);
    expect(s.numClasses).toBe(3);
    expect(Array.from(s.x)).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    expect(Array.from(s.y)).toEqual([0, 2, 1]);
  });

  it('supports label first / by index, explicit hasHeader, shape and numClasses', () => {
    const first = loadCsvClassification(write('first.csv', '1,10,20\n0,30,40\n'), { labelColumn: 'first', hasHeader: false });
    expect(Array.from(first.y)).toEqual([1, 0]);
    expect(Array.from(first.x)).toEqual([10, 20, 30, 40]);
    const middle = loadCsvClassification(write('mid.csv', 'x,y,z\n1,4,2\n3,0,5\n'), { labelColumn: 1, hasHeader: true });
    expect(Array.from(middle.y)).toEqual([4, 0]);
    expect(Array.from(middle.x)).toEqual([1, 2, 3, 5]);
    expect(loadCsvClassification(write('neg.csv', '1,4,2\n'), { labelColumn: -2 }).y[0]).toBe(4);
    const shaped = loadCsvClassification(write('shape.csv', '1,2,3,4,1\n'), { shape: [2, 2, 1], numClasses: 5 });
    expect(shaped.shape).toEqual([2, 2, 1]);
    expect(shaped.numClasses).toBe(5);
  });

  it('detects gzip by magic bytes, whatever the file name', () => {
    const file = write('data.bin', zlib.gzipSync('1,2,1\n3,4,0\n'));
    const s = loadCsvClassification(file);
    expect(Array.from(s.x)).toEqual([1, 2, 3, 4]);
    expect(Array.from(s.y)).toEqual([1, 0]);
  });

  it('names file, line and column of a non-numeric value', () => {
    const rows = ['f1,f2,f3,f4,f5,label'];
    for (let i = 0; i < 20; i++) rows.push(i === 15 ? '1,2,3,4,abc,0' : '1,2,3,4,5,0');
    const file = write('bad-value.csv', rows.join('\n'));
    const e = dataError(() => loadCsvClassification(file));
    expect(e.message).toBe(`${file}, line 17, column 5: non-numeric value 'abc'`);
    expect([e.file, e.line, e.column]).toEqual([file, 17, 5]);
  });

  it('reports inconsistent column counts, empty values, bad labels and empty files', () => {
    const ragged = write('ragged.csv', '1,2,0\n1,2\n');
    expect(dataError(() => loadCsvClassification(ragged)).message).toBe(
      `${ragged}, line 2: inconsistent column count: expected 3, got 2`,
    );
    const emptyValue = write('empty-value.csv', '1,2,0\n1,,0\n');
    expect(dataError(() => loadCsvClassification(emptyValue)).message).toBe(`${emptyValue}, line 2, column 2: empty value`);
    const fractional = write('frac.csv', '1,2,0\n1,2,0.5\n');
    expect(dataError(() => loadCsvClassification(fractional)).message).toMatch(/line 2, column 3: label must be a non-negative integer/);
    const tooBig = write('big-label.csv', '1,2,7\n');
    expect(dataError(() => loadCsvClassification(tooBig, { numClasses: 3 })).message).toMatch(/line 1, column 3: label 7/);
    const empty = write('empty.csv', '\n\n');
    expect(dataError(() => loadCsvClassification(empty)).message).toBe(`${empty}: empty file: no data rows`);
    const headerOnly = write('header-only.csv', 'a,b,label\n');
    expect(dataError(() => loadCsvClassification(headerOnly)).message).toMatch(/line 1: no data rows after the header/);
    const forcedHeaderless = write('forced.csv', 'a,b,label\n1,2,0\n');
    expect(dataError(() => loadCsvClassification(forcedHeaderless, { hasHeader: false })).message).toMatch(
      /line 1, column 1: non-numeric value 'a'/,
    );
    expect(dataError(() => loadCsvClassification(write('s.csv', '1,2,0\n'), { shape: [3] })).message).toMatch(/shape \[3\]/);
    const missing = path.join(dir, 'nope.csv');
    expect(dataError(() => loadCsvClassification(missing)).message).toMatch(/nope\.csv: cannot read file/);
    const corrupt = write('corrupt.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect(dataError(() => loadCsvClassification(corrupt)).message).toMatch(/corrupt gzip/);
  });

  const digits = path.join(sharedDataDir(), 'digits', 'digits.csv.gz');
  const haveDigits = fs.existsSync(digits);
  if (!haveDigits) console.warn(`skipping the 8x8 digits CSV test: ${digits} not found (set KT_SHARED_DATA)`);
  (haveDigits ? it : it.skip)('reads the real sklearn 8x8 digits CSV (1,797 x 64 pixels 0-16, 10 classes)', () => {
    const s = loadCsvClassification(digits, { scale: 1 / 16, shape: [8, 8, 1] });
    expect(s.n).toBe(1797);
    expect(s.shape).toEqual([8, 8, 1]);
    expect(s.numClasses).toBe(10);
    expect(s.x.length).toBe(1797 * 64);
    expect(Math.min(...s.x)).toBe(0);
    expect(Math.max(...s.x)).toBe(1);
    const counts = classCounts(s);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1797);
    for (const c of counts) expect(c).toBeGreaterThanOrEqual(174); // sklearn: 174..183 per class
    expect(Array.from(s.y.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(s.x.subarray(0, 8)).map((v) => v * 16)).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
  });
});
