import * as fs from 'fs';
import * as path from 'path';
import type { ReportBlock, ReportContribution, ReportRun, ReportSection, ReportTable } from '@kt/core';
import { ENSEMBLE_RULES } from '../ensemble';
import { PREDICTIONS_FILE, type FactPredictions, type PredictedEntity, type PredictedQuery, type PredictionsArtifact, type RankingMetrics } from '../eval';

/** Relations the per-relation table lists (those with the most test queries). */
export const KG_REPORT_RELATIONS = 20;

/** What `writeEvaluation` keeps in artifacts/eval-test.json (the kens and kd extras optional). */
interface EvalFile {
  unseenPolicy?: string;
  dataChecks?: { test?: { triples: number; unseen: number; skipped: number; inTrain: number } };
  both: RankingMetrics;
  tail: RankingMetrics;
  head: RankingMetrics;
  perRelation?: Record<string, RankingMetrics>;
  /** kens */
  target?: string;
  languages?: string[];
  ensembles?: Record<string, { weights?: number[]; mrr: number; hits1: number; hits10: number }>;
  perLanguageModel?: Record<string, { mrr: number; hits1: number; hits10: number }>;
  learnedLinks?: Record<string, number>;
  /** kd */
  teacher?: string;
  divergence?: string;
  alpha?: number;
}

const isMetrics = (m: unknown): m is RankingMetrics => typeof m === 'object' && m !== null && ['mrr', 'mr', 'hits1', 'hits3', 'hits10', 'amr'].every((k) => typeof (m as Record<string, unknown>)[k] === 'number');

/** A JSON artifact: its value, undefined when absent, or a message naming the file and what is wrong. */
function readArtifact<T>(file: string, valid: (v: unknown) => v is T, expected: string): T | string | undefined {
  if (!fs.existsSync(file)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return `${file} cannot be read: ${(err as Error).message}`;
  }
  return valid(value) ? value : `${file}: expected ${expected}`;
}

const isEvalFile = (v: unknown): v is EvalFile => typeof v === 'object' && v !== null && ['both', 'tail', 'head'].every((k) => isMetrics((v as Record<string, unknown>)[k]));

const isPredictions = (v: unknown): v is PredictionsArtifact => {
  const p = v as Partial<PredictionsArtifact> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    Array.isArray(p.predictors) &&
    p.predictors.every((f) => typeof f?.predictor === 'string' && Array.isArray(f.queries) && f.queries.every((q) => typeof q?.rank === 'number' && Array.isArray(q.top)))
  );
};

const f4 = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(4));
const f1 = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(1));

const METRIC_HEADERS = ['MRR', 'MR', 'Hits@1', 'Hits@3', 'Hits@10', 'AMR'];
const metricCells = (m: Partial<RankingMetrics>): string[] => [f4(m.mrr), f1(m.mr), f4(m.hits1), f4(m.hits3), f4(m.hits10), f4(m.amr)];

function metricsTable(e: EvalFile): ReportTable {
  const checks = e.dataChecks?.test;
  const caption =
    `filtered ranking, realistic ranks for ties; unseen policy: ${e.unseenPolicy ?? '-'}` +
    (checks ? `; ${checks.triples} test triples (unseen ${checks.unseen}${checks.skipped ? `, skipped ${checks.skipped}` : ''}, also in train ${checks.inTrain})` : '');
  return {
    kind: 'table',
    headers: ['queries', 'n', ...METRIC_HEADERS],
    rows: [
      ['both directions', String(e.both.count), ...metricCells(e.both)],
      ['tails (h, r, ?)', String(e.tail.count), ...metricCells(e.tail)],
      ['heads (?, r, t)', String(e.head.count), ...metricCells(e.head)],
    ],
    caption,
  };
}

/** kens: the target model alone, each ensemble rule (full metrics from eval-test-<rule>.json) and each language's model. */
function ensembleTable(e: EvalFile, artifacts: string): ReportTable | undefined {
  if (!e.ensembles) return undefined;
  const languages = e.languages ?? [];
  const rows: string[][] = [[`target model alone (${e.target ?? languages[0] ?? '-'})`, '-', ...metricCells(e.both)]];
  for (const rule of [...ENSEMBLE_RULES, ...Object.keys(e.ensembles).filter((r) => !(ENSEMBLE_RULES as readonly string[]).includes(r))]) {
    const summary = e.ensembles[rule];
    if (!summary) continue;
    const full = readArtifact(path.join(artifacts, `eval-test-${rule}.json`), isEvalFile, '{ both, tail, head } metrics');
    const weights = summary.weights ? summary.weights.map((w, i) => `${languages[i] ?? i} ${w.toFixed(3)}`).join(', ') : '-';
    rows.push([`ensemble: ${rule}`, weights, ...metricCells(full !== undefined && typeof full !== 'string' ? full.both : summary)]);
  }
  for (const [lang, m] of Object.entries(e.perLanguageModel ?? {})) rows.push([`${lang} model (through counterparts)`, '-', ...metricCells(m)]);
  const links = Object.entries(e.learnedLinks ?? {});
  return {
    kind: 'table',
    headers: ['scorer', 'weights', ...METRIC_HEADERS],
    rows,
    caption: `test queries of the target language, both directions${links.length > 0 ? `; self-learned links: ${links.map(([l, n]) => `${l} ${n}`).join(', ')}` : ''}`,
  };
}

/** kd: the teacher's target model alone (artifacts/teacher.json) beside the distilled learner. */
function teacherTable(e: EvalFile, artifacts: string): ReportBlock | undefined {
  const file = path.join(artifacts, 'teacher.json');
  const isTeacher = (v: unknown): v is { source?: string; distilled?: string; targetAlone: Partial<RankingMetrics> } => typeof v === 'object' && v !== null && typeof (v as { targetAlone?: unknown }).targetAlone === 'object';
  const t = readArtifact(file, isTeacher, '{ source, distilled, targetAlone }');
  if (t === undefined) return undefined;
  if (typeof t === 'string') return { kind: 'text', text: t };
  return {
    kind: 'table',
    headers: ['model', ...METRIC_HEADERS],
    rows: [
      ['learner (distilled)', ...metricCells(e.both)],
      ['teacher: target model alone', ...metricCells(t.targetAlone)],
    ],
    caption: `teacher ${t.source ?? '-'}; distilled: ${t.distilled ?? e.teacher ?? '-'}${e.divergence ? `, divergence ${e.divergence}` : ''}${e.alpha !== undefined ? `, α ${e.alpha}` : ''}`,
  };
}

function relationTable(e: EvalFile): ReportTable | undefined {
  const all = Object.entries(e.perRelation ?? {}).filter(([, m]) => isMetrics(m));
  if (all.length === 0) return undefined;
  const shown = [...all].sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1)).slice(0, KG_REPORT_RELATIONS);
  return {
    kind: 'table',
    headers: ['relation', 'n', ...METRIC_HEADERS],
    rows: shown.map(([r, m]) => [r, String(m.count), ...metricCells(m)]),
    caption: shown.length < all.length ? `${shown.length} of ${all.length} relations, those with the most test queries` : `all ${all.length} relations, by test queries`,
  };
}

/** How entities are named in a table: by label, with the entity's name after a label that several of its entities share (WordNet lemmas). */
function entityNamer(p: FactPredictions): (entity: string, label: string | undefined) => string {
  const byLabel = new Map<string, Set<string>>();
  const see = (entity: string, label: string | undefined): void => {
    if (label !== undefined) byLabel.set(label, (byLabel.get(label) ?? new Set()).add(entity));
  };
  for (const q of p.queries) {
    see(q.head, q.headLabel);
    see(q.tail, q.tailLabel);
    for (const e of q.top) see(e.entity, e.label);
  }
  return (entity, label) => (label === undefined ? entity : byLabel.get(label)!.size > 1 ? `${label} [${entity}]` : label);
}

function predictionsTable(p: FactPredictions, artifact: PredictionsArtifact): ReportTable {
  const name = entityNamer(p);
  const rank = (r: number): string => (Number.isInteger(r) ? String(r) : r.toFixed(1));
  const query = (q: PredictedQuery): string => (q.direction === 'tail' ? `(${name(q.head, q.headLabel)}, ${q.relation}, ?)` : `(?, ${q.relation}, ${name(q.tail, q.tailLabel)})`);
  const prediction = (e: PredictedEntity): string => `${name(e.entity, e.label)} ${e.score.toFixed(3)}${e.answer ? ' ✓' : e.known ? ' (known)' : ''}`;
  return {
    kind: 'table',
    headers: ['query', 'answer', 'rank', `top ${artifact.k} predictions (score)`],
    rows: p.queries.map((q) => [query(q), q.direction === 'tail' ? name(q.tail, q.tailLabel) : name(q.head, q.headLabel), `${rank(q.rank)} of ${q.candidates}`, q.top.map(prediction).join(' · ')]),
    caption:
      `${p.predictor}: ${artifact.triples} of ${artifact.of} test triples (evenly spaced), each asked for its tail and its head. ` +
      "rank: the answer's filtered rank (as the test metrics count it); predictions unfiltered: ✓ the answer, (known) another true answer from train, valid or test; [name] after a label several entities share.",
  };
}

/**
 * kg's sections of `kt report`: the test metrics (both directions, tails, heads; per relation; kens's ensemble rules
 * and language models, kd's teacher) from artifacts/eval-test*.json and teacher.json, and predicted facts — the top-k
 * answers to a sample of test queries with the true answer's rank — from artifacts/predictions.json, which the kg
 * tasks write at the end of their test evaluation (the report loads no model and no backend).
 */
export const kgReportContribution: ReportContribution = {
  plugin: 'kg',
  sections(run: ReportRun): ReportSection[] {
    const artifacts = path.join(run.dir, 'artifacts');
    const sections: ReportSection[] = [];
    const evaluation = readArtifact(path.join(artifacts, 'eval-test.json'), isEvalFile, '{ both, tail, head } metrics');
    if (typeof evaluation === 'string') sections.push({ title: 'Test metrics', blocks: [{ kind: 'text', text: evaluation }] });
    else if (evaluation !== undefined) {
      const blocks: ReportBlock[] = [metricsTable(evaluation)];
      const ensembles = ensembleTable(evaluation, artifacts);
      if (ensembles) blocks.push(ensembles);
      const teacher = teacherTable(evaluation, artifacts);
      if (teacher) blocks.push(teacher);
      sections.push({ title: 'Test metrics', blocks });
      const relations = relationTable(evaluation);
      if (relations) sections.push({ title: 'Test metrics per relation', blocks: [relations] });
    }
    const predictions = readArtifact(path.join(artifacts, PREDICTIONS_FILE), isPredictions, '{ k, triples, of, predictors: [{ predictor, queries }] }');
    if (typeof predictions === 'string') sections.push({ title: 'Predicted facts (test)', blocks: [{ kind: 'text', text: predictions }] });
    else if (predictions !== undefined && predictions.predictors.length > 0) {
      sections.push({ title: 'Predicted facts (test)', blocks: predictions.predictors.map((p) => predictionsTable(p, predictions)) });
    }
    return sections;
  },
};
