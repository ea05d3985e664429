import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic, type ReportContribution, type ReportRun, type ReportSection } from '@kt/core';

/** The artifact a classify run's test predictions are kept in. */
export const PREDICTIONS_FILE = 'test.predictions.json';

/** `artifacts/test.predictions.json`: the true and predicted class of each test example. */
export interface ClassifyPredictions {
  classes: number;
  labels: number[];
  predicted: number[];
}

/** Writes the test predictions a report turns into a confusion table. */
export function writePredictions(artifactsDir: string, predictions: ClassifyPredictions): void {
  writeJsonAtomic(path.join(artifactsDir, PREDICTIONS_FILE), predictions);
}

/** counts[t][p]: test examples of class t predicted as p. */
export function confusionMatrix(p: ClassifyPredictions): number[][] {
  const counts = Array.from({ length: p.classes }, () => new Array<number>(p.classes).fill(0));
  p.labels.forEach((t, i) => {
    const q = p.predicted[i];
    if (q !== undefined && t >= 0 && t < p.classes && q >= 0 && q < p.classes) counts[t]![q]! += 1;
  });
  return counts;
}

function readPredictions(file: string): ClassifyPredictions | string {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ClassifyPredictions>;
    if (!Number.isInteger(v.classes) || !Array.isArray(v.labels) || !Array.isArray(v.predicted) || v.labels.length !== v.predicted.length) {
      return `${file}: expected { classes, labels[], predicted[] } with as many predictions as labels`;
    }
    return v as ClassifyPredictions;
  } catch (err) {
    return `${file} cannot be read: ${(err as Error).message}`;
  }
}

/** classify's section of `kt report`: the test confusion table (rows: true class, columns: predicted). */
export const classifyReportContribution: ReportContribution = {
  plugin: 'classify',
  sections(run: ReportRun): ReportSection[] {
    const file = path.join(run.dir, 'artifacts', PREDICTIONS_FILE);
    if (!fs.existsSync(file)) return [];
    const p = readPredictions(file);
    if (typeof p === 'string') return [{ title: 'Confusion table (test)', blocks: [{ kind: 'text', text: p }] }];
    const counts = confusionMatrix(p);
    const correct = counts.reduce((s, row, i) => s + row[i]!, 0);
    const headers = ['true \\ predicted', ...counts.map((_, i) => String(i)), 'recall'];
    const rows = counts.map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      return [String(i), ...row.map(String), total > 0 ? (row[i]! / total).toFixed(3) : '-'];
    });
    const caption = `${p.labels.length} test examples, accuracy ${(correct / Math.max(1, p.labels.length)).toFixed(4)}`;
    return [{ title: 'Confusion table (test)', blocks: [{ kind: 'table', headers, rows, caption }] }];
  },
};
