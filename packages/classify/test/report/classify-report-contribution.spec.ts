import * as fs from 'fs';
import * as path from 'path';
import { buildContainer, ReportContribution } from '@kt/core';
import { tempDirs } from '@kt/core/testing';
import { classifyPlugin } from '../../src';
import { classifyReportContribution, confusionMatrix, PREDICTIONS_FILE, writePredictions } from '../../src/report/classify-report-contribution';

const tmp = tempDirs('kt-classify-report-');

function runDir(): string {
  const dir = tmp();
  fs.mkdirSync(path.join(dir, 'artifacts'));
  return dir;
}

describe('classify report contribution', () => {
  it('counts true against predicted classes', () => {
    expect(confusionMatrix({ classes: 3, labels: [0, 0, 1, 2, 2, 2], predicted: [0, 1, 1, 2, 0, 2] })).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 2],
    ]);
  });

  it('shows the confusion table of the written test predictions, with recall and accuracy', () => {
    const dir = runDir();
    writePredictions(path.join(dir, 'artifacts'), { classes: 2, labels: [0, 0, 1, 1], predicted: [0, 1, 1, 1] });
    const [section] = classifyReportContribution.sections({ dir, id: 'r' });
    const table = section!.blocks[0]!;
    if (table.kind !== 'table') throw new Error('expected a table');
    expect(table.headers).toEqual(['true \\ predicted', '0', '1', 'recall']);
    expect(table.rows).toEqual([
      ['0', '1', '1', '0.500'],
      ['1', '0', '2', '1.000'],
    ]);
    expect(table.caption).toBe('4 test examples, accuracy 0.7500');
  });

  it('names the file when the predictions are malformed, and shows nothing without them', () => {
    const dir = runDir();
    expect(classifyReportContribution.sections({ dir, id: 'r' })).toEqual([]);
    fs.writeFileSync(path.join(dir, 'artifacts', PREDICTIONS_FILE), '{"classes": 2, "labels": [1]}');
    const block = classifyReportContribution.sections({ dir, id: 'r' })[0]!.blocks[0]!;
    expect(block.kind === 'text' && block.text).toMatch(/test\.predictions\.json: expected/);
  });

  it('is bound in the classify module', () => {
    const c = buildContainer([classifyPlugin]);
    expect(c.getAll<ReportContribution>(ReportContribution)).toContain(classifyReportContribution);
  });
});
