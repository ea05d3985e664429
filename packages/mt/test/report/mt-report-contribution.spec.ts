import * as fs from 'fs';
import * as path from 'path';
import { buildContainer, ReportContribution } from '@kt/core';
import { tempDirs } from '@kt/core/testing';
import { mtPlugin } from '../../src';
import { MT_REPORT_SAMPLES, mtReportContribution } from '../../src/report/mt-report-contribution';

const tmp = tempDirs('kt-mt-report-');

function runDir(files: Record<string, string>): string {
  const dir = tmp();
  fs.mkdirSync(path.join(dir, 'artifacts'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'artifacts', name), text);
  return dir;
}

describe('mt report contribution', () => {
  it('shows the first test translations beside their references, and the teacher scores', () => {
    const refs = Array.from({ length: 12 }, (_, i) => `ref ${i}`);
    const hyps = refs.map((r, i) => (i % 2 === 0 ? r : `hyp ${i}`));
    const dir = runDir({
      'test.ref.txt': refs.map((r) => `${r}\n`).join(''),
      'test.hyp.txt': hyps.map((h) => `${h}\n`).join(''),
      'teacher.json': JSON.stringify({ test: { bleu: 41.5, chrf: 60 }, parameters: 1234 }),
    });
    const sections = mtReportContribution.sections({ dir, id: 'r' });
    expect(sections.map((s) => s.title)).toEqual(['Sample translations (test)', 'Teacher (test)']);
    const table = sections[0]!.blocks[0]!;
    if (table.kind !== 'table') throw new Error('expected a table');
    expect(table.rows).toHaveLength(MT_REPORT_SAMPLES);
    expect(table.rows[1]).toEqual(['2', 'ref 1', 'hyp 1', '']);
    expect(table.rows[2]).toEqual(['3', 'ref 2', 'ref 2', 'yes']);
    expect(table.caption).toBe(`first ${MT_REPORT_SAMPLES} of 12 test sentences`);
    const teacher = sections[1]!.blocks[0]!;
    expect(teacher.kind === 'table' && teacher.rows).toEqual([['bleu', '41.5000'], ['chrf', '60'], ['parameters', '1234']]);
  });

  it('has nothing to show for a run without translations', () => {
    expect(mtReportContribution.sections({ dir: runDir({}), id: 'r' })).toEqual([]);
  });

  it('is bound in the mt module', () => {
    const c = buildContainer([mtPlugin]);
    expect(c.getAll<ReportContribution>(ReportContribution)).toContain(mtReportContribution);
  });
});
