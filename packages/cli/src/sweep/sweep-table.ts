import { formatNumber } from '../format';
import { meanStd } from '../report/report-data';
import type { SweepManifest } from './sweep-manifest';
import { sweepJobs, sweepRunState } from './sweep-runner';

/** `mean ± std (n)`; `-` without values. */
export function formatMeanStd(values: readonly number[]): string {
  if (values.length === 0) return '-';
  const { mean, std } = meanStd(values);
  return values.length === 1 ? formatNumber(mean) : `${formatNumber(mean)} ± ${formatNumber(std)}`;
}

export interface SweepComparison {
  headers: string[];
  rows: string[][];
  /** The metrics compared (`test.*`, or `val.*` when no run has test metrics). */
  metrics: string[];
}

/**
 * One row per cell: runs done, then per metric the mean ± std over seeds and, with a baseline
 * cell, the paired difference (cell − baseline, seed by seed, over the seeds both finished).
 */
export function compareSweep(sweepDir: string, manifest: SweepManifest): SweepComparison {
  const byCell = new Map<string, Map<number, Record<string, number>>>();
  for (const job of sweepJobs(sweepDir, manifest)) {
    const { state, summary } = sweepRunState(job.runDir);
    if (state !== 'done' || !summary) continue;
    const metrics: Record<string, number> = {};
    for (const split of ['val', 'test'] as const) for (const [k, v] of Object.entries(summary[split] ?? {})) metrics[`${split}.${k}`] = v;
    if (!byCell.has(job.cell.id)) byCell.set(job.cell.id, new Map());
    byCell.get(job.cell.id)!.set(job.seed, metrics);
  }
  const all = [...byCell.values()].flatMap((m) => [...m.values()].flatMap((r) => Object.keys(r)));
  const tests = [...new Set(all.filter((k) => k.startsWith('test.')))].sort();
  const metrics = tests.length > 0 ? tests : [...new Set(all.filter((k) => k.startsWith('val.')))].sort();
  const baseline = manifest.baseline !== undefined ? byCell.get(manifest.baseline) : undefined;
  const headers = ['cell', 'runs', ...metrics.flatMap((m) => (manifest.baseline !== undefined ? [m, `Δ ${m} vs baseline`] : [m]))];
  const rows = manifest.cells.map((cell) => {
    const runs = byCell.get(cell.id) ?? new Map<number, Record<string, number>>();
    const label = cell.id === manifest.baseline ? `${cell.id} (baseline)` : cell.id;
    const cells = metrics.flatMap((m) => {
      const values = [...runs.values()].map((r) => r[m]).filter((v): v is number => v !== undefined);
      if (manifest.baseline === undefined) return [formatMeanStd(values)];
      const diffs: number[] = [];
      if (cell.id !== manifest.baseline && baseline) {
        for (const [seed, r] of runs) {
          const a = r[m];
          const b = baseline.get(seed)?.[m];
          if (a !== undefined && b !== undefined) diffs.push(a - b);
        }
      }
      const sign = diffs.length > 0 && meanStd(diffs).mean >= 0 ? '+' : '';
      const diff = cell.id === manifest.baseline ? '0' : diffs.length === 0 ? '-' : `${sign}${formatMeanStd(diffs)} (${diffs.length} paired)`;
      return [formatMeanStd(values), diff];
    });
    return [label, `${runs.size}/${cell.runs.length}`, ...cells];
  });
  return { headers, rows, metrics };
}
