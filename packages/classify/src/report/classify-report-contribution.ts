import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic, type ReportContribution, type ReportRun, type ReportSection } from '@kt/core';
import { logitsOf, type ClassificationSplit, type ClassifierModel } from '@kt/vision';

/** The artifact a classify run's test predictions are kept in. */
export const PREDICTIONS_FILE = 'test.predictions.json';

/** `artifacts/test.predictions.json`: per test example, its true class, the predicted class and the class probabilities. */
export interface ClassifyPredictions {
  classes: number;
  labels: number[];
  predicted: number[];
  /** probabilities[i][c]: the model's softmax probability of class c for example i (6 decimals). */
  probabilities?: number[][];
}

/** Decimals the probabilities are written with (a 10,000 × 10 test set stays about 1 MB). */
const PROBABILITY_DIGITS = 6;

/** The model's predictions on `split`: argmax class and softmax probabilities of every example. */
export function predictionsOf(model: ClassifierModel, split: ClassificationSplit): ClassifyPredictions {
  const k = split.numClasses;
  const logits = logitsOf(model, split);
  const predicted: number[] = [];
  const probabilities: number[][] = [];
  const scale = 10 ** PROBABILITY_DIGITS;
  for (let i = 0; i < split.n; i++) {
    const row = logits.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let c = 1; c < k; c++) if (row[c]! > row[best]!) best = c;
    const max = row[best]!;
    const exp = Array.from(row, (v) => Math.exp(v - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    predicted.push(best);
    probabilities.push(exp.map((e) => Math.round((e / sum) * scale) / scale));
  }
  return { classes: k, labels: Array.from(split.y), predicted, probabilities };
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
    if (v.probabilities !== undefined && (!Array.isArray(v.probabilities) || v.probabilities.length !== v.labels.length || v.probabilities.some((r) => !Array.isArray(r) || r.length !== v.classes))) {
      return `${file}: probabilities must hold one row of ${v.classes} values per label`;
    }
    return v as ClassifyPredictions;
  } catch (err) {
    return `${file} cannot be read: ${(err as Error).message}`;
  }
}

/** How many of the most confident mistakes a report lists. */
const MISTAKES_SHOWN = 10;

/** The wrong predictions with the highest probability on the predicted class (needs probabilities). */
export function confidentMistakes(p: ClassifyPredictions, count: number): { index: number; label: number; predicted: number; pPredicted: number; pTrue: number }[] {
  const probs = p.probabilities;
  if (!probs) return [];
  return p.labels
    .map((label, index) => ({ index, label, predicted: p.predicted[index]!, pPredicted: probs[index]![p.predicted[index]!] ?? 0, pTrue: probs[index]![label] ?? 0 }))
    .filter((m) => m.label !== m.predicted)
    .sort((a, b) => b.pPredicted - a.pPredicted || a.index - b.index)
    .slice(0, count);
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
    const sections: ReportSection[] = [{ title: 'Confusion table (test)', blocks: [{ kind: 'table', headers, rows, caption }] }];
    const mistakes = confidentMistakes(p, MISTAKES_SHOWN);
    if (mistakes.length > 0) {
      sections.push({
        title: 'Most confident mistakes (test)',
        blocks: [
          {
            kind: 'table',
            headers: ['example', 'true', 'predicted', 'p(predicted)', 'p(true)'],
            rows: mistakes.map((m) => [String(m.index), String(m.label), String(m.predicted), m.pPredicted.toFixed(4), m.pTrue.toFixed(4)]),
            caption: 'test examples (by index) the model got wrong with the highest probability on its prediction',
          },
        ],
      });
    }
    return sections;
  },
};
