import * as fs from 'fs';
import * as path from 'path';
import type { ReportBlock, ReportContribution, ReportRun, ReportSection } from '@kt/core';
import type { IterationMetrics } from '../wake-sleep/wake-sleep';
import type { LearnedPrimitive, SolvedProgramsJson } from '../tasks/wake-sleep-task';

/** Solved programs the report lists per split (the first, by task name). */
export const SYNTHESIS_REPORT_PROGRAMS = 20;

function readJson<T>(file: string): T | { error: string } | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return { error: `${file} cannot be read` };
  }
}

const isError = (x: unknown): x is { error: string } => typeof x === 'object' && x !== null && 'error' in x;
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

function programsTable(byTask: Record<string, { program: string; descriptionLength: number }[]>, split: string): ReportBlock {
  const names = Object.keys(byTask).sort();
  const rows = names.slice(0, SYNTHESIS_REPORT_PROGRAMS).map((name) => {
    const best = byTask[name]![0]!;
    return [name, best.program, best.descriptionLength.toFixed(2)];
  });
  return { kind: 'table', headers: ['task', `best program (${split})`, 'description length (nats)'], rows, caption: `${rows.length} of ${names.length} solved ${split} tasks` };
}

/**
 * synthesis's sections of `kt report` for a wake–sleep run: tasks solved per iteration (artifacts/iterations.json),
 * the learned functions (artifacts/primitives.json, printed with earlier ones by name) and the best program
 * found per solved task (artifacts/programs.json).
 */
export const synthesisReportContribution: ReportContribution = {
  plugin: 'synthesis',
  sections(run: ReportRun): ReportSection[] {
    const artifacts = path.join(run.dir, 'artifacts');
    const sections: ReportSection[] = [];
    const iterations = readJson<IterationMetrics[]>(path.join(artifacts, 'iterations.json'));
    if (isError(iterations)) sections.push({ title: 'Wake–sleep iterations', blocks: [{ kind: 'text', text: iterations.error }] });
    else if (iterations !== undefined) {
      const rows = iterations.map((m) => [String(m.iteration), pct(m.trainSolved), pct(m.testSolved), String(m.librarySize)]);
      sections.push({ title: 'Wake–sleep iterations', blocks: [{ kind: 'table', headers: ['iteration', 'train solved', 'test solved', 'learned functions'], rows }] });
    }
    const primitives = readJson<LearnedPrimitive[]>(path.join(artifacts, 'primitives.json'));
    if (isError(primitives)) sections.push({ title: 'Learned primitives', blocks: [{ kind: 'text', text: primitives.error }] });
    else if (primitives !== undefined) {
      const block: ReportBlock =
        primitives.length === 0
          ? { kind: 'text', text: 'No functions learned.' }
          : { kind: 'table', headers: ['name', 'type', 'definition'], rows: primitives.map((p) => [p.name, p.type, p.readable]) };
      sections.push({ title: 'Learned primitives', blocks: [block] });
    }
    const programs = readJson<SolvedProgramsJson>(path.join(artifacts, 'programs.json'));
    if (isError(programs)) sections.push({ title: 'Solved programs', blocks: [{ kind: 'text', text: programs.error }] });
    else if (programs !== undefined) sections.push({ title: 'Solved programs', blocks: [programsTable(programs.train, 'train'), programsTable(programs.test, 'test')] });
    return sections;
  },
};
