import * as fs from 'fs';
import * as path from 'path';
import { buildContainer, readRunConfig, ReportContribution, type ReportBlock, type ReportTable } from '@kt/core';
import { pluginHarness, useCpuBackend } from '@kt/core/testing';
import { decodePng, encodePng } from '@kt/vision';
import { deepInversionReportContribution, deepinversionPlugin, DI_REPORT_GRIDS, ROUND_GRID, type RoundRecord } from '../src';
import { barsCsv, tinyDiOverrides } from './bars-csv';

// Small networks trained on the CPU backend: generous on a shared, loaded machine.
jest.setTimeout(900000);

const h = pluginHarness(deepinversionPlugin, '@kt/deepinversion');
useCpuBackend();
// one output directory: the second run reuses the first's teacher and verifier from core's cache
const out = h.tmp('kt-di-report-');
const csv = path.join(out, 'bars.csv');
fs.writeFileSync(csv, barsCsv(160, 3));

function table(block: ReportBlock | undefined): ReportTable {
  if (block?.kind !== 'table') throw new Error(`expected a table, got ${JSON.stringify(block)}`);
  return block;
}

/** mnist-di shrunk to seconds: 8x8 bar images of 4 classes, tiny networks, 2 rounds of 12 images × 4 iterations, 5 steps a round. */
function tiny(): string[] {
  return tinyDiOverrides(csv, { learner: '{kind: mlp, hidden: [8]}', iterations: 4, rounds: 2 });
}

const records = (runDir: string): RoundRecord[] =>
  fs
    .readFileSync(path.join(runDir, 'artifacts', 'rounds.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RoundRecord);

/** A tiny PNG (a 1-class grid of one 2x2 image). */
const png = (): Buffer => encodePng({ width: 2, height: 2, data: new Uint8Array(16).fill(200) });

/** A distill run directory written by hand: `rounds` rounds of `source` images, each with a grid unless `noGrid` has it. */
function handRun(rounds: number, source: string, noGrid: number[] = []): string {
  const dir = h.tmp();
  const artifacts = path.join(dir, 'artifacts');
  const lines: string[] = [];
  for (let k = 0; k < rounds; k++) {
    lines.push(JSON.stringify({ round: k, event: 'images', images: 4, seconds: 0, teacherAccuracy: 0.5, teacherConfidence: 0.4, verifierAccuracy: 0.25, terms: {} }));
    lines.push(JSON.stringify({ round: k, event: 'trained', test: 0.1 * k }));
    fs.mkdirSync(path.join(artifacts, `round-${k}`), { recursive: true });
    if (!noGrid.includes(k)) fs.writeFileSync(path.join(artifacts, `round-${k}`, ROUND_GRID), png());
  }
  fs.writeFileSync(path.join(artifacts, 'rounds.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

describe('deepinversion report contribution', () => {
  it('distill run: every round\'s grid inlined with its caption, the rounds\' metrics as written, the three networks', async () => {
    const { runDir, summary } = await h.run(h.config('mnist-di.yaml', tiny()), { outDir: out });
    expect(summary.status).toBe('completed');
    const sections = deepInversionReportContribution.sections({ dir: runDir, id: 'r', config: readRunConfig(runDir) as Record<string, unknown> });
    expect(sections.map((s) => s.title)).toEqual(['Synthesized images per round', 'Distillation rounds']);
    const [images] = sections[0]!.blocks;
    if (images?.kind !== 'images') throw new Error('expected images');
    expect(images.images).toHaveLength(2);
    const written = records(runDir);
    for (const [k, image] of images.images.entries()) {
      const bytes = Buffer.from(image.dataUri.replace(/^data:image\/png;base64,/, ''), 'base64');
      expect(bytes.equals(fs.readFileSync(path.join(runDir, 'artifacts', `round-${k}`, ROUND_GRID)))).toBe(true);
      expect(decodePng(bytes).height).toBe(4 * (8 * 2 + 1)); // 4 classes, one row each
      const r = written.find((x) => x.round === k && x.event === 'images')!;
      expect(image.caption).toBe(
        `round ${k}: 12 synthesized images, one row per class (class number at its left), up to 10 each; teacher accuracy ${(r.teacherAccuracy! * 100).toFixed(1)} %, verifier ${(r.verifierAccuracy! * 100).toFixed(1)} %`,
      );
    }
    const rounds = table(sections[1]!.blocks[0]);
    expect(rounds.headers).toEqual([
      'round',
      'synthesized images',
      'synthesis s',
      'image-iterations/s',
      'teacher accuracy',
      'teacher confidence',
      'verifier accuracy',
      'loss ce',
      'loss feature',
      'loss tvL2',
      'loss l2',
      'loss total',
      'student test accuracy',
    ]);
    expect(rounds.rows.map((r) => r[0])).toEqual(['0', '1']);
    const round1 = written.find((x) => x.round === 1 && x.event === 'images')!;
    expect(rounds.rows[1]![5]).toBe(round1.teacherConfidence!.toFixed(3));
    expect(rounds.rows[1]![11]).toBe(round1.terms!['total']!.toFixed(4));
    expect(rounds.rows[1]![12]).toBe(`${(summary.test!['accuracy']! * 100).toFixed(1)} %`);
    const networks = table(sections[1]!.blocks[1]);
    expect(networks.rows.map((r) => r[0])).toEqual(['teacher', 'verifier', 'student (after the last round)']);
    expect(networks.rows[2]![1]).toBe(rounds.rows[1]![12]);
    expect(networks.rows[0]![3]).toContain(path.join('.cache', 'teachers'));
  });

  it('a run resumed after a kill between saving a round\'s images and drawing them draws the grid', async () => {
    const config = h.config('mnist-di.yaml', tiny());
    let steps = 0;
    const partial = await h.run(config, { outDir: out, callbacks: [{ onStepEnd: () => void (steps += 1) }], shouldStop: () => steps >= 7 });
    expect(partial.summary.status).toBe('interrupted');
    const grid = (k: number): string => path.join(partial.runDir, 'artifacts', `round-${k}`, ROUND_GRID);
    const drawn = [fs.readFileSync(grid(0)), fs.readFileSync(grid(1))];
    fs.rmSync(grid(0));
    fs.rmSync(grid(1));
    expect(deepInversionReportContribution.sections({ dir: partial.runDir, id: 'r' })[0]!.blocks).toEqual([{ kind: 'text', text: `round 0: ${grid(0)} is missing; round 1: ${grid(1)} is missing` }]);
    const resumed = await h.run(h.config(readRunConfig(partial.runDir)), { resumeDir: partial.runDir });
    expect(resumed.summary.status).toBe('completed');
    expect(fs.readFileSync(grid(0)).equals(drawn[0]!)).toBe(true);
    expect(fs.readFileSync(grid(1)).equals(drawn[1]!)).toBe(true);
  });

  it(`inlines at most ${DI_REPORT_GRIDS} grids (first and last among them) and names the rounds' image source and the missing grids`, () => {
    const dir = handRun(10, 'real', [9]);
    const sections = deepInversionReportContribution.sections({ dir, id: 'r', config: { rounds: { source: 'real' } } });
    expect(sections[0]!.title).toBe('Real images per round');
    const [images, notes] = sections[0]!.blocks;
    expect(images?.kind === 'images' && images.images.map((i) => i.caption.split(':')[0])).toEqual(['round 0', 'round 2', 'round 4', 'round 5', 'round 7']);
    expect(images?.kind === 'images' && images.images[0]!.caption).toMatch(/^round 0: 4 real images/);
    expect(notes).toEqual({ kind: 'text', text: `round 9: ${path.join(dir, 'artifacts', 'round-9', ROUND_GRID)} is missing; rounds 0, 2, 4, 5, 7, 9 of 10 shown; every grid is in artifacts/round-<k>/grid.png` });
    const rounds = table(sections[1]!.blocks[0]);
    expect(rounds.headers[1]).toBe('real images');
    expect(rounds.rows[3]!.slice(1, 3)).toEqual(['4', '-']); // no synthesis time for real images
    expect(rounds.rows[3]!.at(-1)).toBe('30.0 %');
  });

  it('names the line of a malformed rounds.jsonl, and has nothing to show for a train run', () => {
    const dir = handRun(1, 'synthesized');
    fs.appendFileSync(path.join(dir, 'artifacts', 'rounds.jsonl'), '{"round": 1, "event": "images"\n');
    const [section] = deepInversionReportContribution.sections({ dir, id: 'r' });
    expect(section!.blocks).toEqual([{ kind: 'text', text: expect.stringMatching(/rounds\.jsonl:3: /) }]);
    fs.writeFileSync(path.join(dir, 'artifacts', 'rounds.jsonl'), '{"round": "one", "event": "images"}\n');
    expect(deepInversionReportContribution.sections({ dir, id: 'r' })[0]!.blocks[0]).toEqual({ kind: 'text', text: expect.stringMatching(/rounds\.jsonl:1: expected \{ round, event/) });
    expect(deepInversionReportContribution.sections({ dir: h.tmp(), id: 'train-run' })).toEqual([]);
  });

  it('is bound in the deepinversion module', () => {
    expect(buildContainer([deepinversionPlugin]).getAll<ReportContribution>(ReportContribution)).toContain(deepInversionReportContribution);
  });
});
