import * as fs from 'fs';
import * as path from 'path';
import { ReportContribution, type ReportTable } from '@kt/core';
import { pluginHarness, useCpuBackend } from '@kt/core/testing';
import { classifyPlugin, confidentMistakes, PREDICTIONS_FILE, type ClassifyPredictions } from '../../src';

jest.setTimeout(300_000);

const h = pluginHarness(classifyPlugin, '@kt/classify');
const { container } = h;
useCpuBackend();
/** One output folder for every run (they share the teacher cache). */
const out = h.tmp('kt-classify-pred-');

async function tinyRun(config: string, sets: readonly string[]): Promise<{ runDir: string; accuracy: number }> {
  const resolved = h.config(config, ['data.perDigit=30', 'teacher.model.hidden=[32]', 'teacher.train.epochs=2', 'train.epochs=2', 'train.batchSize=32', ...sets]);
  const { runDir, summary } = await h.run(resolved, { outDir: out });
  expect(summary.status).toBe('completed');
  return { runDir, accuracy: summary.test!['accuracy']! };
}

function readPredictions(runDir: string): ClassifyPredictions {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', PREDICTIONS_FILE), 'utf8')) as ClassifyPredictions;
}

describe('classify test predictions (writeArtifacts) and the report section built from them', () => {
  it.each([
    ['kd', 'mnist-forward.yaml', []],
    ['train', 'mnist-none.yaml', ['task=train']],
  ])('task %s writes label, predicted class and probabilities of every test example, agreeing with the test accuracy', async (_task, config, sets) => {
    const { runDir, accuracy } = await tinyRun(config, sets);
    const p = readPredictions(runDir);
    expect(p.classes).toBe(10);
    expect(p.labels.length).toBeGreaterThan(0);
    expect(p.predicted).toHaveLength(p.labels.length);
    expect(p.probabilities).toHaveLength(p.labels.length);
    for (const [i, row] of p.probabilities!.entries()) {
      expect(row).toHaveLength(10);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(row[p.predicted[i]!]).toBe(Math.max(...row));
    }
    const correct = p.labels.filter((l, i) => l === p.predicted[i]).length;
    expect(correct / p.labels.length).toBeCloseTo(accuracy, 9);
    // Through the report contribution point, as kt report finds it: a confusion table whose cells add up to the test set.
    const contributions = container.getAll<ReportContribution>(ReportContribution).filter((c) => c.plugin === 'classify');
    const sections = contributions.flatMap((c) => c.sections({ dir: runDir, id: path.basename(runDir) }));
    expect(sections[0]!.title).toBe('Confusion table (test)');
    const table = sections[0]!.blocks[0] as ReportTable;
    const cells = table.rows.flatMap((r) => r.slice(1, 11).map(Number));
    expect(cells.reduce((a, b) => a + b, 0)).toBe(p.labels.length);
    expect(table.rows.reduce((s, r, i) => s + Number(r[i + 1]), 0)).toBe(correct);
    if (correct < p.labels.length) {
      expect(sections[1]!.title).toBe('Most confident mistakes (test)');
      const top = confidentMistakes(p, 10)[0]!;
      expect((sections[1]!.blocks[0] as ReportTable).rows[0]).toEqual([String(top.index), String(top.label), String(top.predicted), top.pPredicted.toFixed(4), top.pTrue.toFixed(4)]);
    }
  });

  it('the most confident mistakes are wrong predictions ordered by the probability of the predicted class', () => {
    const p: ClassifyPredictions = {
      classes: 2,
      labels: [0, 0, 1, 1],
      predicted: [1, 0, 0, 0],
      probabilities: [
        [0.4, 0.6],
        [0.9, 0.1],
        [0.95, 0.05],
        [0.7, 0.3],
      ],
    };
    expect(confidentMistakes(p, 5).map((m) => [m.index, m.pPredicted, m.pTrue])).toEqual([
      [2, 0.95, 0.05],
      [3, 0.7, 0.3],
      [0, 0.6, 0.4],
    ]);
    expect(confidentMistakes({ ...p, probabilities: undefined }, 5)).toEqual([]);
  });
});
