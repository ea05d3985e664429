import { ReportContribution, stableStringify, type ReportSection } from '@kt/core';
import type { Container } from 'inversify';
import { configDifferences } from '../config-diff';
import { configValue, formatSteps, readMetricLines, runStatus, type RunRecord } from '../run-reader';

/** Config fields that tell seeds of one setting apart, not settings (`kt report --seed-fields` adds more). */
export const SEED_KEYS = ['train.seed'];
/** Config fields that never make two runs different settings (where the run was written). */
const IGNORED_KEYS = ['output', 'name'];

/** A group label lists at most this many differing fields, in at most this many characters. */
const MAX_LABEL_KEYS = 3;
const MAX_LABEL_CHARS = 80;

/** Runs of one setting: the same config but for the seed. */
export interface ReportGroup {
  label: string;
  runs: string[];
}

/** One learning curve chart: steps on x, one mean line (and a ± std band for seeds) per group. */
export interface ChartSeries {
  group: string;
  mean: (number | null)[];
  /** mean - std and mean + std, for a group of several seeds. */
  lo?: (number | null)[];
  hi?: (number | null)[];
  runs: number;
  /** Some steps have values from only part of the group's runs (one stopped early): the mean there is theirs. */
  ragged?: boolean;
}

export interface ReportChart {
  id: string;
  title: string;
  /** Sorted steps. */
  steps: number[];
  series: ChartSeries[];
}

export interface ReportRunInfo {
  id: string;
  dir: string;
  group: string;
  plugin: string;
  task: string;
  status: string;
  steps: string;
  seed: string;
  config?: Record<string, unknown>;
  /** `val.bleu` → value. */
  metrics: Record<string, number>;
  sections: ReportSection[];
}

export interface ReportData {
  title: string;
  runs: ReportRunInfo[];
  groups: ReportGroup[];
  /** Config fields that differ between runs (the seed included), with each run's value. */
  configDiff: { key: string; values: string[] }[];
  /** Final metric names, `val.*` then `test.*`. */
  metricNames: string[];
  /** Per group with several seeds: metric → mean ± std. */
  groupMetrics: { group: string; runs: number; stats: Record<string, { mean: number; std: number }> }[];
  charts: ReportChart[];
}

function withoutKeys(config: Record<string, unknown> | undefined, keys: readonly string[]): unknown {
  if (!config) return undefined;
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  for (const dotted of keys) {
    const parts = dotted.split('.');
    let node: Record<string, unknown> | undefined = copy;
    for (const p of parts.slice(0, -1)) node = node && typeof node[p] === 'object' ? (node[p] as Record<string, unknown>) : undefined;
    if (node) delete node[parts.at(-1)!];
  }
  return copy;
}

/** Mean and (sample) standard deviation; std 0 for one value. */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, std: 0 };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

function show(v: unknown): string {
  if (v === undefined) return '-';
  return typeof v === 'string' ? v : stableStringify(v);
}

/**
 * Groups runs whose configs are equal but for the seed (`train.seed` and `seedFields`, e.g. a field choosing which
 * examples are labelled that a bench sets with the seed); labels each by what sets it apart.
 */
export function groupRuns(records: readonly RunRecord[], seedFields: readonly string[] = []): { groups: ReportGroup[]; groupOf: Map<string, string> } {
  const ignored = [...SEED_KEYS, ...seedFields, ...IGNORED_KEYS];
  const strip = (r: RunRecord): unknown => withoutKeys(r.config, ignored);
  const byKey = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = r.config ? stableStringify(strip(r)) : `run:${r.id}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const reps = [...byKey.values()].map((rs) => rs[0]!);
  const nameOf = new Map([...byKey.values()].map((rs) => [rs[0]!, settingName(rs)] as const));
  /** The fields in which any two of `among` differ; a parent (`teacherUpdate`, present in one and absent in another) only when none of its fields is listed. */
  const differingKeys = (among: readonly RunRecord[]): string[] => {
    const differing = new Set<string>();
    for (const a of among) for (const b of among) for (const k of configDifferences(strip(a), strip(b))) differing.add(k);
    const all = [...differing].sort();
    return all.filter((k) => !all.some((o) => o.startsWith(`${k}.`)));
  };
  const describe = (rep: RunRecord, keys: readonly string[]): string => keys.map((k) => `${k}=${show(configValue(rep.config, k))}`).join(' ');
  const short = (keys: readonly string[], text: string): boolean => keys.length > 0 && keys.length <= MAX_LABEL_KEYS && text.length <= MAX_LABEL_CHARS;
  const keys = differingKeys(reps);
  // Settings are named by the fields that set them apart when those are short for every setting, so one legend never
  // mixes the two kinds of label (a plain setting's fields may be short where a regulariser's settings are not).
  const allByValues = reps.every((rep) => !rep.config || short(keys, describe(rep, keys)));
  const groups: ReportGroup[] = [];
  const groupOf = new Map<string, string>();
  const used = new Set<string>();
  for (const rs of byKey.values()) {
    const rep = rs[0]!;
    // Named by what sets it apart (see allByValues); otherwise by its config name, and what sets it apart from the
    // settings of the same name when that is short (the config diff table has the rest); the run as the last resort.
    const name = nameOf.get(rep)!;
    const sameName = reps.filter((r) => nameOf.get(r) === name);
    const within = sameName.length > 1 ? differingKeys(sameName) : [];
    const byName = short(within, describe(rep, within)) ? `${name} ${describe(rep, within)}` : name;
    let label = rep.config && allByValues ? describe(rep, keys) : byName;
    if (used.has(label)) label = `${label} (${rep.id})`;
    used.add(label);
    groups.push({ label, runs: rs.map((r) => r.id) });
    for (const r of rs) groupOf.set(r.id, label);
  }
  return { groups, groupOf };
}

/**
 * The name of a setting: its runs' config name, or — when its seeds carry their own names (`scratch.none.lr0.005.s0`,
 * `….s1`) — the leading parts those names share (`scratch.none.lr0.005`), so a mean over seeds is not labelled as one.
 */
function settingName(runs: readonly RunRecord[]): string {
  const names = runs.map((r) => String(r.config?.['name'] ?? r.id));
  if (names.every((n) => n === names[0])) return names[0]!;
  const parts = names.map((n) => n.split(/(?=[._\-\s])/));
  const shared: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length && p[i] === parts[0]![i]); i++) shared.push(parts[0]![i]!);
  return shared.length > 0 ? shared.join('') : names[0]!;
}

/** Curves of one run: `train.loss`, `val.<metric>`… → step → value (event lines skipped). */
export function runCurves(dir: string): Map<string, Map<number, number>> {
  const curves = new Map<string, Map<number, number>>();
  for (const line of readMetricLines(dir)) {
    const step = line['step'];
    const split = line['split'];
    if (typeof step !== 'number' || typeof split !== 'string' || split === 'event') continue;
    for (const [k, v] of Object.entries(line)) {
      if (k === 'step' || k === 'split' || typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (split === 'train' && (k === 'lr' || k === 'epoch')) continue;
      const name = `${split}.${k}`;
      if (!curves.has(name)) curves.set(name, new Map());
      curves.get(name)!.set(step, v);
    }
  }
  return curves;
}

function chartOrder(a: string, b: string): number {
  const rank = (n: string): number => (n === 'train.loss' ? 0 : n.startsWith('train.') ? 1 : n.startsWith('val.') ? 2 : 3);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function buildCharts(records: readonly RunRecord[], groups: readonly ReportGroup[]): ReportChart[] {
  const curvesOf = new Map(records.map((r) => [r.id, runCurves(r.dir)]));
  // A chart is a curve: a metric that no run recorded at two steps or more (the final test evaluation, a value
  // logged once) would be a lone point per run; its values are in the metrics table.
  const names = [...new Set([...curvesOf.values()].flatMap((c) => [...c.keys()]))]
    .filter((name) => [...curvesOf.values()].some((c) => (c.get(name)?.size ?? 0) >= 2))
    .sort(chartOrder);
  return names.map((name, i) => {
    const steps = [...new Set([...curvesOf.values()].flatMap((c) => [...(c.get(name)?.keys() ?? [])]))].sort((a, b) => a - b);
    const series = groups
      .map((g): ChartSeries | undefined => {
        const curves = g.runs.map((id) => curvesOf.get(id)?.get(name)).filter((c): c is Map<number, number> => c !== undefined);
        const mean: (number | null)[] = [];
        const lo: (number | null)[] = [];
        const hi: (number | null)[] = [];
        let ragged = false;
        for (const s of steps) {
          const values = curves.map((c) => c.get(s)).filter((v): v is number => v !== undefined);
          if (values.length < curves.length && values.length > 0) ragged = true;
          if (values.length === 0) {
            mean.push(null);
            lo.push(null);
            hi.push(null);
            continue;
          }
          const { mean: m, std } = meanStd(values);
          mean.push(m);
          lo.push(m - std);
          hi.push(m + std);
        }
        if (curves.length === 0) return undefined;
        return curves.length > 1 ? { group: g.label, mean, lo, hi, runs: curves.length, ...(ragged ? { ragged } : {}) } : { group: g.label, mean, runs: 1 };
      })
      .filter((s): s is ChartSeries => s !== undefined);
    return { id: `chart-${i}`, title: name, steps, series };
  });
}

/** Everything `kt report` shows about `records`, with the plugins' sections from `container`; `seedFields` as for groupRuns. */
export function buildReportData(records: readonly RunRecord[], container: Container | undefined, title = 'kt report', seedFields: readonly string[] = []): ReportData {
  const contributions = container?.isBound(ReportContribution) ? container.getAll<ReportContribution>(ReportContribution) : [];
  const { groups, groupOf } = groupRuns(records, seedFields);
  const runs: ReportRunInfo[] = records.map((r) => {
    const metrics: Record<string, number> = {};
    for (const split of ['val', 'test'] as const) for (const [k, v] of Object.entries(r.summary?.[split] ?? {})) metrics[`${split}.${k}`] = v;
    const plugin = r.summary?.plugin ?? String(r.config?.['plugin'] ?? '-');
    const status = runStatus(r);
    const sections: ReportSection[] = [];
    for (const c of contributions.filter((c) => c.plugin === plugin)) {
      try {
        sections.push(...c.sections({ dir: r.dir, id: r.id, config: r.config }));
      } catch (err) {
        sections.push({ title: `${plugin} report section`, blocks: [{ kind: 'text', text: `failed: ${(err as Error).message}` }] });
      }
    }
    return {
      id: r.id,
      dir: r.dir,
      group: groupOf.get(r.id)!,
      plugin,
      task: r.summary?.task ?? String(r.config?.['task'] ?? '-'),
      status: status.status,
      steps: formatSteps(status),
      seed: show(configValue(r.config, 'train.seed')),
      config: r.config,
      metrics,
      sections,
    };
  });
  const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort((a, b) => chartOrder(a, b));
  const diffKeys = new Set<string>();
  for (const r of records) for (const k of configDifferences(withoutKeys(records[0]?.config, IGNORED_KEYS), withoutKeys(r.config, IGNORED_KEYS))) diffKeys.add(k);
  const configDiff = [...diffKeys].sort().map((key) => ({ key, values: records.map((r) => show(configValue(r.config, key))) }));
  const groupMetrics = groups
    .filter((g) => g.runs.length > 1)
    .map((g) => {
      const members = runs.filter((r) => r.group === g.label);
      const stats: Record<string, { mean: number; std: number }> = {};
      for (const m of metricNames) {
        const values = members.map((r) => r.metrics[m]).filter((v): v is number => v !== undefined);
        if (values.length > 0) stats[m] = meanStd(values);
      }
      return { group: g.label, runs: members.length, stats };
    });
  return { title, runs, groups, configDiff, metricNames, groupMetrics, charts: buildCharts(records, groups) };
}
