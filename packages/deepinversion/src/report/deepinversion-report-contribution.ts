import * as fs from 'fs';
import * as path from 'path';
import type { ReportBlock, ReportContribution, ReportRun, ReportSection } from '@kt/core';
import { ROUND_GRID, ROUND_GRID_PER_ROW, type RoundRecord } from '../tasks/distill-task';

/** Round grids the report inlines at most (evenly spaced, the first and the last always among them). */
export const DI_REPORT_GRIDS = 6;
/** A grid larger than this is named, not inlined (the page stays loadable). */
export const DI_REPORT_MAX_GRID_BYTES = 4 * 1024 * 1024;

const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | undefined, digits: number): string => (x === undefined ? '-' : x.toFixed(digits));

/** The lines of artifacts/rounds.jsonl, or a message naming the file and line that cannot be read. */
function readRounds(file: string): RoundRecord[] | string {
  const records: RoundRecord[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch (err) {
      return `${file}:${i + 1}: ${(err as Error).message}`;
    }
    const rec = r as Partial<RoundRecord> | null;
    if (typeof rec !== 'object' || rec === null || !Number.isInteger(rec.round) || (rec.event !== 'images' && rec.event !== 'trained')) {
      return `${file}:${i + 1}: expected { round, event: "images" | "trained", … }`;
    }
    records.push(rec as RoundRecord);
  }
  return records;
}

/** One row per round: its images as the teacher and the verifier saw them, the loss terms at the last iteration, the student after it. */
function roundsTable(records: readonly RoundRecord[], source: string): ReportBlock {
  const byRound = new Map<number, { images?: RoundRecord; trained?: RoundRecord }>();
  for (const r of records) byRound.set(r.round, { ...byRound.get(r.round), [r.event]: r });
  const terms = [...new Set(records.flatMap((r) => Object.keys(r.terms ?? {})))];
  const rows = [...byRound.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([round, { images, trained }]) => [
      String(round),
      images?.images === undefined ? '-' : String(images.images),
      num(images?.seconds ? images.seconds : undefined, 1), // 0 for real and noise images
      num(images?.throughput, 0),
      pct(images?.teacherAccuracy),
      num(images?.teacherConfidence, 3),
      pct(images?.verifierAccuracy),
      ...terms.map((t) => num(images?.terms?.[t], 4)),
      pct(trained?.test),
    ]);
  return {
    kind: 'table',
    headers: ['round', `${source} images`, 'synthesis s', 'image-iterations/s', 'teacher accuracy', 'teacher confidence', 'verifier accuracy', ...terms.map((t) => `loss ${t}`), 'student test accuracy'],
    rows,
    caption:
      'accuracy of the teacher and of the independently trained verifier on the round\'s images (their target classes); loss terms: mean over the round\'s batches at the last iteration; ' +
      'student: accuracy on the real test split after training on the pool',
  };
}

interface NetworksFile {
  teacher?: { source?: string; test?: Record<string, number>; parameters?: number };
  verifier?: { source?: string; test?: Record<string, number>; parameters?: number };
  student?: { parameters?: number };
}

function networksTable(file: string, studentTest: number | undefined): ReportBlock {
  let n: NetworksFile;
  try {
    n = JSON.parse(fs.readFileSync(file, 'utf8')) as NetworksFile;
  } catch (err) {
    return { kind: 'text', text: `${file} cannot be read: ${(err as Error).message}` };
  }
  const row = (role: string, net: NetworksFile['teacher'], test: number | undefined): string[] => [role, pct(test), net?.parameters === undefined ? '-' : String(net.parameters), net?.source ?? '-'];
  return {
    kind: 'table',
    headers: ['network', 'real test accuracy', 'parameters', 'trained in'],
    rows: [row('teacher', n.teacher, n.teacher?.test?.['accuracy']), row('verifier', n.verifier, n.verifier?.test?.['accuracy']), row('student (after the last round)', n.student, studentTest)],
  };
}

/** `count` of `0 … n-1`, evenly spaced, first and last included. */
function spaced(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round((i * (n - 1)) / (count - 1))))];
}

/** The rounds' grids as images with their captions; grids missing or too large are named in a text block. */
function gridBlocks(artifacts: string, records: readonly RoundRecord[], source: string): ReportBlock[] {
  const rounds = [...new Set(records.filter((r) => r.event === 'images').map((r) => r.round))].sort((a, b) => a - b);
  const shown = spaced(rounds.length, DI_REPORT_GRIDS).map((i) => rounds[i]!);
  const images: { caption: string; dataUri: string }[] = [];
  const notes: string[] = [];
  for (const round of shown) {
    const file = path.join(artifacts, `round-${round}`, ROUND_GRID);
    if (!fs.existsSync(file)) {
      notes.push(`round ${round}: ${file} is missing`);
      continue;
    }
    const bytes = fs.readFileSync(file);
    if (bytes.length > DI_REPORT_MAX_GRID_BYTES) {
      notes.push(`round ${round}: ${file} (${(bytes.length / 1024 / 1024).toFixed(1)} MB) is too large to inline`);
      continue;
    }
    const r = records.find((x) => x.round === round && x.event === 'images');
    images.push({
      caption: `round ${round}: ${r?.images ?? '?'} ${source} images, one row per class (class number at its left), up to ${ROUND_GRID_PER_ROW} each; teacher accuracy ${pct(r?.teacherAccuracy)}, verifier ${pct(r?.verifierAccuracy)}`,
      dataUri: `data:image/png;base64,${bytes.toString('base64')}`,
    });
  }
  const blocks: ReportBlock[] = [];
  if (images.length > 0) blocks.push({ kind: 'images', images });
  if (shown.length < rounds.length) notes.push(`rounds ${shown.join(', ')} of ${rounds.length} shown; every grid is in artifacts/round-<k>/${ROUND_GRID}`);
  if (notes.length > 0) blocks.push({ kind: 'text', text: notes.join('; ') });
  return blocks;
}

/**
 * deepinversion's sections of `kt report` for a `distill` run: the images each round added to the pool (the PNG grids
 * the task writes as artifacts/round-<k>/grid.png, inlined), the rounds' metrics (artifacts/rounds.jsonl) and the
 * teacher, verifier and student (artifacts/networks.json). A `train` run has none of these: no sections.
 */
export const deepInversionReportContribution: ReportContribution = {
  plugin: 'deepinversion',
  sections(run: ReportRun): ReportSection[] {
    const artifacts = path.join(run.dir, 'artifacts');
    const roundsFile = path.join(artifacts, 'rounds.jsonl');
    if (!fs.existsSync(roundsFile)) return [];
    const records = readRounds(roundsFile);
    if (typeof records === 'string') return [{ title: 'Distillation rounds', blocks: [{ kind: 'text', text: records }] }];
    const rounds = run.config?.['rounds'] as { source?: unknown } | undefined;
    const source = typeof rounds?.source === 'string' ? rounds.source : 'synthesized';
    const sections: ReportSection[] = [];
    const grids = gridBlocks(artifacts, records, source);
    if (grids.length > 0) sections.push({ title: `${source[0]!.toUpperCase()}${source.slice(1)} images per round`, blocks: grids });
    const blocks: ReportBlock[] = [roundsTable(records, source)];
    const networks = path.join(artifacts, 'networks.json');
    const last = records.filter((r) => r.event === 'trained').sort((a, b) => b.round - a.round)[0];
    if (fs.existsSync(networks)) blocks.push(networksTable(networks, last?.test));
    sections.push({ title: 'Distillation rounds', blocks });
    return sections;
  },
};
