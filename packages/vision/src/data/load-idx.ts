import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { ClassificationSplit } from './classification-split';
import { DataError } from './data-error';

/** An IDX array (LeCun's MNIST format): unsigned bytes with their dimensions. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const UBYTE = 0x08;

/** Reads an IDX file, gzip-compressed or not (detected by the 0x1f 0x8b magic bytes, not the name). Only unsigned-byte IDX. */
export function readIdx(file: string): IdxArray {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new DataError(`cannot read IDX file (${(e as Error).message})`, { file });
  }
  return parseIdx(bytes, file);
}

/** Parses IDX bytes (plain or gzip): magic 0x00 0x00 <type> <rank>, rank big-endian uint32 sizes, then the data. */
export function parseIdx(raw: Uint8Array, file = '<buffer>'): IdxArray {
  let bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (e) {
      throw new DataError(`corrupt gzip data (${(e as Error).message})`, { file });
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DataError('not an IDX file (the first two bytes must be 0)', { file });
  if (bytes[2] !== UBYTE) throw new DataError(`IDX element type 0x${bytes[2]!.toString(16)} is not supported (only unsigned bytes, 0x08)`, { file });
  const rank = bytes[3]!;
  if (rank < 1 || bytes.length < 4 + 4 * rank) throw new DataError(`IDX header declares ${rank} dimensions but the file is ${bytes.length} bytes`, { file });
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(bytes.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const offset = 4 + 4 * rank;
  if (bytes.length - offset !== size) {
    throw new DataError(`IDX dimensions [${dims.join(', ')}] need ${size} bytes of data, the file has ${bytes.length - offset}`, { file });
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + offset, size) };
}

/** Encodes unsigned bytes as an (uncompressed) IDX file: the inverse of parseIdx (tests, tools). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = UBYTE;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

export interface LoadIdxOptions {
  /** Keep only the first `limit` examples. */
  limit?: number;
  /** Number of classes; default max label + 1 (at least 10 for MNIST-like sets). */
  numClasses?: number;
}

/**
 * An images IDX file ([n, h, w] or [n, h, w, c] bytes) and a labels IDX file ([n] bytes) as a split with pixel
 * values scaled to [0, 1] and per-example shape [h, w, c]. Mismatched counts or out-of-range labels are
 * DataErrors naming the file (and example index).
 */
export function loadIdxSplit(imagesFile: string, labelsFile: string, options: LoadIdxOptions = {}): ClassificationSplit {
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new DataError(`expected images of rank 3 ([n, h, w]) or 4 ([n, h, w, c]), got dimensions [${images.dims.join(', ')}]`, { file: imagesFile });
  }
  if (labels.dims.length !== 1) throw new DataError(`expected labels of rank 1, got dimensions [${labels.dims.join(', ')}]`, { file: labelsFile });
  if (labels.dims[0] !== images.dims[0]) {
    throw new DataError(`${labels.dims[0]} labels for ${images.dims[0]} images in ${imagesFile}`, { file: labelsFile });
  }
  const [count, h, w, c = 1] = images.dims as [number, number, number, number?];
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
  const n = Math.min(count, options.limit ?? count);
  const d = h * w * c;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = images.data[i]! / 255;
  const y = Int32Array.from(labels.data.subarray(0, n));
  let maxLabel = 0;
  for (const v of y) maxLabel = Math.max(maxLabel, v);
  const numClasses = options.numClasses ?? maxLabel + 1;
  const bad = y.findIndex((v) => v >= numClasses);
  if (bad >= 0) throw new DataError(`label ${y[bad]} of example ${bad} is outside [0, ${numClasses})`, { file: labelsFile });
  return { x, y, n, shape: [h, w, c], numClasses };
}

export interface IdxDatasetOptions {
  /** Examples of the train file kept (its first N); default all. */
  trainLimit?: number;
  /** Examples of the test file kept; default all. */
  testLimit?: number;
  /** The last `valCount` of the (kept) training examples become the val split; default 1/12 of them (5,000 of 60,000). */
  valCount?: number;
}

/** Train / val / test of an MNIST-layout folder (`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`, `t10k-…`). */
export interface IdxDataset {
  train: ClassificationSplit;
  val: ClassificationSplit;
  test: ClassificationSplit;
}

/** The file of `base` in `dir`: `<base>.gz` or `<base>`; a DataError naming both when neither exists. */
export function idxFile(dir: string, base: string): string {
  for (const name of [`${base}.gz`, base]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  throw new DataError(`no ${base}.gz or ${base} in ${dir} (expected the MNIST/Fashion-MNIST IDX layout)`, { file: dir });
}

/**
 * An MNIST-layout IDX folder (MNIST, Fashion-MNIST, e.g. ../shared/data/fashion-mnist) as train / val / test:
 * val is the last `valCount` examples of the train file (a fixed split, no shuffling), test the t10k files.
 */
export function loadIdxDataset(dir: string, options: IdxDatasetOptions = {}): IdxDataset {
  const trainAll = loadIdxSplit(idxFile(dir, 'train-images-idx3-ubyte'), idxFile(dir, 'train-labels-idx1-ubyte'), { limit: options.trainLimit, numClasses: 10 });
  const test = loadIdxSplit(idxFile(dir, 't10k-images-idx3-ubyte'), idxFile(dir, 't10k-labels-idx1-ubyte'), { limit: options.testLimit, numClasses: 10 });
  const valCount = options.valCount ?? Math.round(trainAll.n / 12);
  if (!Number.isInteger(valCount) || valCount < 1 || valCount >= trainAll.n) {
    throw new DataError(`valCount ${valCount} must be in [1, ${trainAll.n - 1}] for ${trainAll.n} training images`, { file: dir });
  }
  const d = trainAll.x.length / trainAll.n;
  const cut = trainAll.n - valCount;
  const part = (lo: number, hi: number): ClassificationSplit => ({
    x: trainAll.x.slice(lo * d, hi * d),
    y: trainAll.y.slice(lo, hi),
    n: hi - lo,
    shape: [...trainAll.shape],
    numClasses: trainAll.numClasses,
  });
  return { train: part(0, cut), val: part(cut, trainAll.n), test };
}

/** Class names of Fashion-MNIST (label order). */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;
