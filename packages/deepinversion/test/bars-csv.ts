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

/**
 * Overrides shrinking configs/mnist-di.yaml to seconds on the bars CSV at `csv`: tiny teacher, verifier and learner,
 * rounds of 12 images and 5 student steps; `learner`, `iterations` (synthesis steps per round), `rounds` and `extra`
 * overrides are the case's own.
 */
export function tinyDiOverrides(csv: string, opts: { learner: string; iterations: number; rounds: number; extra?: readonly string[] }): string[] {
  return [
    `data={source: csv, path: ${csv}, shape: [8, 8, 1]}`,
    'teacher.model={kind: resnet, widths: [4], blocksPerStage: 1}',
    'teacher.train={epochs: 2, batchSize: 32, lr: 0.02}',
    'verifier.model={kind: mlp, hidden: [8]}',
    'verifier.train={epochs: 2, batchSize: 32, lr: 0.01}',
    `learner.model=${opts.learner}`,
    'synthesis.batchSize=12',
    `synthesis.iterations=${opts.iterations}`,
    ...(opts.extra ?? []),
    `rounds.count=${opts.rounds}`,
    'rounds.imagesPerRound=12',
    'rounds.stepsPerRound=5',
    'train.batchSize=8',
    'train.checkpointEvery=5',
  ];
}
