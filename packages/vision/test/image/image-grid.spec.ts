import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodePng, renderImageGrid, writeImageGrid } from '../../src/image/image-grid';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-png-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('PNG image grids', () => {
  it('round-trips through pngjs: one row per class, pixels where the layout puts them, a class label drawn', () => {
    // 3 images of 2x2 grey: classes 1, 0, 1
    const images = Float32Array.from([0, 1, 0.5, 1, /* */ 1, 1, 1, 1, /* */ 0.2, 0.2, 0.2, 0.2]);
    const file = path.join(dir, 'sub', 'grid.png');
    const drawn = writeImageGrid(file, images, { shape: [2, 2, 1], labels: [1, 0, 1], perRow: 2, scale: 1 });
    const read = decodePng(fs.readFileSync(file));
    expect(read.width).toBe(drawn.width);
    expect(read.height).toBe(drawn.height);
    expect(Buffer.from(read.data).equals(Buffer.from(drawn.data))).toBe(true);
    const labelWidth = 4 + 2; // one digit (4 px) + margin (2 px) at scale 1
    const px = (x: number, y: number): number[] => Array.from(read.data.subarray((y * read.width + x) * 4, (y * read.width + x) * 4 + 4));
    // row 0 is class 0 (image 1: all white); row 1 is class 1 (image 0 then image 2)
    expect(px(labelWidth, 0)).toEqual([255, 255, 255, 255]);
    expect(px(labelWidth, 3)).toEqual([0, 0, 0, 255]); // image 0 pixel (0, 0) = 0
    expect(px(labelWidth + 1, 3)).toEqual([255, 255, 255, 255]);
    expect(px(labelWidth, 4)).toEqual([128, 128, 128, 255]);
    expect(px(labelWidth + 3, 3)).toEqual([51, 51, 51, 255]); // image 2 in column 1 (cell width 3)
    // the label "1" (yellow) is drawn left of row 1
    const yellow = [...Array(labelWidth).keys()].some((x) => [3, 4, 5].some((y) => px(x, y)[0] === 255 && px(x, y)[2] === 0));
    expect(yellow).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual(['grid.png']);
  });

  it('rejects a value count that does not fit the shape', () => {
    expect(() => renderImageGrid(new Float32Array(5), { shape: [2, 2, 1], labels: [0] })).toThrow(/5 values for 1 images/);
  });
});
