import * as fs from 'fs';
import * as path from 'path';
import type { ReportContribution, ReportRun, ReportSection } from '@kt/core';

/** How many test sentences the report shows. */
export const MT_REPORT_SAMPLES = 10;

function readLines(file: string): string[] | undefined {
  if (!fs.existsSync(file)) return undefined;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * mt's sections of `kt report`: the first test translations beside their references (from the
 * run's artifacts/test.hyp.txt and test.ref.txt), and the teacher's scores when it had one.
 */
export const mtReportContribution: ReportContribution = {
  plugin: 'mt',
  sections(run: ReportRun): ReportSection[] {
    const artifacts = path.join(run.dir, 'artifacts');
    const hyps = readLines(path.join(artifacts, 'test.hyp.txt'));
    const refs = readLines(path.join(artifacts, 'test.ref.txt'));
    const sections: ReportSection[] = [];
    if (hyps && refs) {
      const n = Math.min(MT_REPORT_SAMPLES, hyps.length, refs.length);
      const rows = Array.from({ length: n }, (_, i) => [String(i + 1), refs[i]!, hyps[i]!, hyps[i] === refs[i] ? 'yes' : '']);
      sections.push({
        title: 'Sample translations (test)',
        blocks: [{ kind: 'table', headers: ['#', 'reference', 'translation', 'exact'], rows, caption: `first ${n} of ${refs.length} test sentences` }],
      });
    }
    const teacherFile = path.join(artifacts, 'teacher.json');
    if (fs.existsSync(teacherFile)) {
      try {
        const teacher = JSON.parse(fs.readFileSync(teacherFile, 'utf8')) as { test?: Record<string, number>; parameters?: number; source?: string };
        const rows = Object.entries(teacher.test ?? {}).map(([k, v]) => [k, Number.isInteger(v) ? String(v) : v.toFixed(4)]);
        if (teacher.parameters !== undefined) rows.push(['parameters', String(teacher.parameters)]);
        if (teacher.source !== undefined) rows.push(['source', String(teacher.source)]);
        sections.push({ title: 'Teacher (test)', blocks: [{ kind: 'table', headers: ['', 'teacher'], rows }] });
      } catch {
        sections.push({ title: 'Teacher (test)', blocks: [{ kind: 'text', text: `${teacherFile} cannot be read` }] });
      }
    }
    return sections;
  },
};
