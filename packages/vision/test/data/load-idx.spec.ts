import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { DataError, encodeIdx, loadIdxDataset, loadIdxSplit, parseIdx } from '../../src/data';
import { sharedDataDir } from './shared-data';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-idx-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** n images of h x w whose pixel (i, p) is (i * 7 + p) mod 256, labels i mod 10. */
function writeSet(prefix: string, n: number, h: number, w: number, gzip: boolean): void {
  const pixels = Uint8Array.from({ length: n * h * w }, (_, k) => (Math.floor(k / (h * w)) * 7 + (k % (h * w))) % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  const write = (name: string, bytes: Buffer): void => fs.writeFileSync(path.join(dir, gzip ? `${name}.gz` : name), gzip ? zlib.gzipSync(bytes) : bytes);
  write(`${prefix}-images-idx3-ubyte`, encodeIdx([n, h, w], pixels));
  write(`${prefix}-labels-idx1-ubyte`, encodeIdx([n], labels));
}

describe('IDX loader', () => {
  it('reads plain and gzip IDX files into [0, 1] images of shape [h, w, 1]', () => {
    writeSet('train', 12, 3, 2, true);
    writeSet('t10k', 5, 3, 2, false);
    const ds = loadIdxDataset(dir, { valCount: 2 });
    expect(ds.train.n).toBe(10);
    expect(ds.val.n).toBe(2);
    expect(ds.test.n).toBe(5);
    expect(ds.train.shape).toEqual([3, 2, 1]);
    expect(ds.train.numClasses).toBe(10);
    expect(ds.train.x[6 + 1]).toBeCloseTo((7 + 1) / 255, 6); // image 1, pixel 1
    expect(Array.from(ds.val.y)).toEqual([0, 1]); // examples 10 and 11
    expect(ds.val.x[0]).toBeCloseTo(((10 * 7) % 256) / 255, 6);
    expect(Array.from(ds.test.y)).toEqual([0, 1, 2, 3, 4]);
    expect(loadIdxDataset(dir, { trainLimit: 6, valCount: 1 }).train.n).toBe(5);
  });

  it('names the file and the problem: truncated data, count mismatch, wrong type, missing files', () => {
    writeSet('train', 4, 2, 2, false);
    const images = path.join(dir, 'train-images-idx3-ubyte');
    const labels = path.join(dir, 'train-labels-idx1-ubyte');
    fs.writeFileSync(labels, encodeIdx([3], Uint8Array.from([0, 1, 2])));
    expect(() => loadIdxSplit(images, labels)).toThrow(/3 labels for 4 images/);
    fs.writeFileSync(images, fs.readFileSync(images).subarray(0, 20));
    expect(() => loadIdxSplit(images, labels)).toThrow(DataError);
    expect(() => loadIdxSplit(images, labels)).toThrow(new RegExp(`${images}.*need 16 bytes of data, the file has 4`));
    expect(() => parseIdx(Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 0]))).toThrow(/element type 0xd is not supported/);
    expect(() => loadIdxDataset(path.join(dir, 'nowhere'))).toThrow(/no train-images-idx3-ubyte.gz or train-images-idx3-ubyte/);
  });
});

const fashion = path.join(sharedDataDir(), 'fashion-mnist');
const describeShared = fs.existsSync(fashion) ? describe : describe.skip;
describeShared('Fashion-MNIST (../shared/data, skipped when absent)', () => {
  it('loads 60,000 + 10,000 images of 28x28 with 10 balanced classes', () => {
    const ds = loadIdxDataset(fashion);
    expect(ds.train.n + ds.val.n).toBe(60000);
    expect(ds.test.n).toBe(10000);
    expect(ds.test.shape).toEqual([28, 28, 1]);
    const counts = new Array<number>(10).fill(0);
    ds.test.y.forEach((v) => counts[v]++);
    expect(counts).toEqual(new Array(10).fill(1000));
  });
});
