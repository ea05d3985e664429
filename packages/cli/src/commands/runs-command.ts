import * as path from 'path';
import type { Command } from 'commander';
import { z } from 'zod';
import { globalOptionsShape, type CommandContext } from '../command-context';
import { formatMetrics, formatTable, formatTimestamp } from '../format';
import { formatSteps, listRunDirs, readRun, runStatus } from '../run-reader';

export const RunsOptionsSchema = z.strictObject({ ...globalOptionsShape, dir: z.string().min(1).default('runs') });
export type RunsOptions = z.infer<typeof RunsOptionsSchema>;

export interface RunRow {
  id: string;
  dir: string;
  pluginTask: string;
  status: string;
  steps: string;
  /** Test metrics when the run finished, else its last validation metrics. */
  metrics: Record<string, number> | undefined;
  metricsSplit: 'test' | 'val' | undefined;
  startedAt: string | undefined;
}

/** `kt runs [DIR]`: the runs under DIR, oldest first. */
export function runsCommand(dir: string, cwd: string): RunRow[] {
  const parent = path.resolve(cwd, dir);
  const rows = listRunDirs(parent).map((d): RunRow => {
    const r = readRun(d);
    const s = r.summary;
    const plugin = s?.plugin ?? (r.config?.['plugin'] as string | undefined) ?? '?';
    const task = s?.task ?? (r.config?.['task'] as string | undefined) ?? '?';
    const metricsSplit = s?.test ? 'test' : s?.val ? 'val' : undefined;
    const st = runStatus(r);
    return {
      id: r.id,
      dir: d,
      pluginTask: `${plugin}/${task}`,
      status: st.status,
      steps: formatSteps(st),
      metrics: s?.test ?? s?.val,
      metricsSplit,
      startedAt: s?.startedAt,
    };
  });
  return rows.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.id.localeCompare(b.id));
}

export function formatRuns(rows: readonly RunRow[], dir: string): string {
  if (rows.length === 0) return `no runs in ${dir}\n`;
  return formatTable(
    ['run', 'plugin/task', 'status', 'steps', 'metrics', 'started'],
    rows.map((r) => [
      r.id,
      r.pluginTask,
      r.status,
      r.steps,
      r.metrics ? `${r.metricsSplit} ${formatMetrics(r.metrics)}` : '-',
      formatTimestamp(r.startedAt),
    ]),
  );
}

export function registerRunsCommand(program: Command, ctx: CommandContext): void {
  program
    .command('runs')
    .description('list the runs in a directory with their status and key metrics')
    .argument('[dir]', 'directory holding run directories (default "runs")')
    .action((dir: string | undefined, _opts: unknown, cmd: Command) => {
      const options = RunsOptionsSchema.parse({ ...cmd.optsWithGlobals(), dir });
      ctx.io.out(formatRuns(runsCommand(options.dir, ctx.cwd), options.dir));
    });
}
