import { Rng } from '@kt/core';

/**
 * 8x8 grey images of 4 classes (a bright bar along the top, bottom, left or right edge) plus noise, one CSV row
 * each (64 pixels in [0, 1] to 3 decimals, then the label): a data set the CPU backend learns in seconds.
 */
export function barsCsv(n: number, seed: number): string {
  const rng = Rng.fromSeed(seed);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 4;
    const pixels: number[] = [];
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const on = [r < 2, r >= 6, c < 2, c >= 6][label]!;
        pixels.push(Math.min(1, Math.max(0, (on ? 0.9 : 0.1) + 0.1 * rng.normal())));
      }
    }
    lines.push([...pixels.map((v) => v.toFixed(3)), label].join(','));
  }
  return `${lines.join('\n')}\n`;
}
