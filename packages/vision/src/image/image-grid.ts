import * as fs from 'fs';
import * as path from 'path';

/** The part of pngjs 7 used here (pngjs ships no type declarations). */
interface PngImage {
  width: number;
  height: number;
  data: Buffer;
}
interface PngModule {
  PNG: {
    new (options: { width: number; height: number }): PngImage;
    sync: { read(buffer: Buffer): PngImage; write(png: PngImage): Buffer };
  };
}
// an untyped CommonJS package, typed by PngModule
const { PNG } = require('pngjs') as PngModule;

/** 3x5 bitmaps of the digits 0-9 (rows top to bottom, bit 2 = left column), for class labels. */
const DIGITS_3X5: readonly number[][] = [
  [7, 5, 5, 5, 7],
  [2, 6, 2, 2, 7],
  [7, 1, 7, 4, 7],
  [7, 1, 7, 1, 7],
  [5, 5, 7, 1, 1],
  [7, 4, 7, 1, 7],
  [7, 4, 7, 5, 7],
  [7, 1, 1, 1, 1],
  [7, 5, 7, 5, 7],
  [7, 5, 7, 1, 7],
];

export interface ImageGridOptions {
  /** Per-example [h, w, c] with c 1 (grey) or 3 (RGB). */
  shape: readonly number[];
  /** Class of every image: one row per class present, in class order, labelled with the class number. */
  labels: ArrayLike<number>;
  /** Most images shown per class row (default 10). */
  perRow?: number;
  /** Pixel scale factor (default 2). */
  scale?: number;
  /** Value range mapped to 0–255 (default [0, 1]; values outside are clipped). */
  range?: [number, number];
}

/** Rendered RGBA pixels of a grid: `width * height * 4` bytes. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Lays images out one row per class (class order), each row starting with the class number drawn in a
 * 3x5 pixel font, images separated by a 1-pixel gap: what kt writes as a PNG grid.
 */
export function renderImageGrid(images: Float32Array, options: ImageGridOptions): RgbaImage {
  const [h, w, c] = options.shape as [number, number, number];
  if (c !== 1 && c !== 3) throw new RangeError(`renderImageGrid: channels must be 1 or 3, got ${c}`);
  const d = h * w * c;
  const n = options.labels.length;
  if (images.length !== n * d) throw new RangeError(`renderImageGrid: ${images.length} values for ${n} images of shape [${options.shape.join(', ')}]`);
  const perRow = options.perRow ?? 10;
  const scale = options.scale ?? 2;
  const [lo, hi] = options.range ?? [0, 1];
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const label = options.labels[i]!;
    const list = byClass.get(label) ?? [];
    if (list.length < perRow) list.push(i);
    byClass.set(label, list);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const labelWidth = Math.max(...classes.map((k) => String(k).length), 1) * 4 * scale + 2 * scale;
  const cellW = w * scale + 1;
  const cellH = h * scale + 1;
  const width = labelWidth + perRow * cellW;
  const height = Math.max(1, classes.length) * cellH;
  const data = new Uint8Array(width * height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255; // opaque black background
  const put = (px: number, py: number, r: number, g: number, b: number): void => {
    const o = (py * width + px) * 4;
    data[o] = r;
    data[o + 1] = g;
    data[o + 2] = b;
  };
  const byte = (v: number): number => Math.max(0, Math.min(255, Math.round(((v - lo) / (hi - lo)) * 255)));
  classes.forEach((label, row) => {
    const top = row * cellH;
    // the class number, in yellow, vertically centred
    const digits = String(label);
    const textTop = top + Math.max(0, Math.floor((cellH - 5 * scale) / 2));
    [...digits].forEach((ch, k) => {
      const glyph = DIGITS_3X5[Number(ch)]!;
      for (let gy = 0; gy < 5; gy++) {
        for (let gx = 0; gx < 3; gx++) {
          if (!((glyph[gy]! >> (2 - gx)) & 1)) continue;
          for (let sy = 0; sy < scale; sy++) for (let sx = 0; sx < scale; sx++) put(scale + (k * 4 + gx) * scale + sx, textTop + gy * scale + sy, 255, 220, 0);
        }
      }
    });
    byClass.get(label)!.forEach((i, col) => {
      const left = labelWidth + col * cellW;
      for (let yy = 0; yy < h; yy++) {
        for (let xx = 0; xx < w; xx++) {
          const p = i * d + (yy * w + xx) * c;
          const r = byte(images[p]!);
          const g = c === 3 ? byte(images[p + 1]!) : r;
          const b = c === 3 ? byte(images[p + 2]!) : r;
          for (let sy = 0; sy < scale; sy++) for (let sx = 0; sx < scale; sx++) put(left + xx * scale + sx, top + yy * scale + sy, r, g, b);
        }
      }
    });
  });
  return { width, height, data };
}

/** PNG bytes of an RGBA image (pngjs). */
export function encodePng(image: RgbaImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength).copy(png.data);
  return PNG.sync.write(png);
}

/** Decodes PNG bytes to RGBA (pngjs). */
export function decodePng(bytes: Buffer): RgbaImage {
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/** Renders the grid (see renderImageGrid) and writes it as a PNG file (directories created; temp file + rename). */
export function writeImageGrid(file: string, images: Float32Array, options: ImageGridOptions): RgbaImage {
  const image = renderImageGrid(images, options);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, encodePng(image));
  fs.renameSync(tmp, file);
  return image;
}
