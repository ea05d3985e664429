import type { Command } from 'commander';
import { z } from 'zod';
import { globalOptionsShape, type CommandContext } from '../command-context';
import { formatDuration, formatNumber, formatTimestamp } from '../format';
import { formatSteps, readMetricLines, readRun, resolveRunDir, runStatus, type RunRecord } from '../run-reader';
import { formatMetricsTable } from './run-command';

export const ShowOptionsSchema = z.strictObject({
  ...globalOptionsShape,
  dir: z.string().min(1).default('runs'),
  lines: z.coerce.number().int().nonnegative().default(10),
});
export type ShowOptions = z.infer<typeof ShowOptionsSchema>;

export interface ShowReport {
  run: RunRecord;
  /** The last `lines` entries of metrics.jsonl. */
  lastMetrics: Record<string, unknown>[];
}

/** `kt show RUN`: a run's summary, config and last metric lines. */
export function showCommand(spec: string, options: ShowOptions, cwd: string): ShowReport {
  const dir = resolveRunDir(spec, cwd, options.dir);
  const run = readRun(dir);
  const lines = readMetricLines(dir);
  return { run, lastMetrics: options.lines === 0 ? [] : lines.slice(-options.lines) };
}

/** One metrics.jsonl entry as `step 20 val: accuracy 0.9000 loss 0.1000`. */
export function formatMetricLine(entry: Record<string, unknown>): string {
  const { step, split, ...rest } = entry;
  const values = Object.entries(rest).map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : String(v)}`);
  return `step ${String(step)} ${String(split ?? '?')}: ${values.join(' ')}`;
}

export function formatShowReport(report: ShowReport): string {
  const { run } = report;
  const s = run.summary;
  const out: string[] = [`run: ${run.dir}`];
  if (s) {
    const st = runStatus(run);
    const why = st.status === 'killed' ? ' (its summary says running, but no process holds the run: it ended without closing it)' : '';
    out.push(`name: ${s.name}  plugin/task: ${s.plugin}/${s.task}  status: ${st.status}${why}`);
    if (st.resumeStep !== undefined && st.status !== 'running') out.push(`resume: kt run --resume ${run.dir}  (continues from the checkpoint at step ${st.resumeStep})`);
    else if (st.status === 'killed') out.push('resume: no checkpoint was written; start the run again');
    out.push(
      `steps: ${formatSteps(st)}  train time: ${formatDuration(s.timings.trainSeconds)}  total: ${formatDuration(s.timings.totalSeconds)}  steps/s: ${s.timings.stepsPerSecond.toFixed(2)}  backend: ${s.backend}`,
    );
    out.push(`started: ${formatTimestamp(s.startedAt)}  ended: ${formatTimestamp(s.endedAt)}`);
    const versions = Object.entries(s.versions).map(([k, v]) => `${k} ${v}`).join(', ');
    out.push(`versions: ${versions}  commit: ${s.gitCommit ?? '-'}  config hash: ${s.configHash}`);
    if (s.error) out.push(`error: ${s.error}`);
    for (const w of s.warnings ?? []) out.push(`warning: ${w}`);
    for (const t of s.teachers ?? []) {
      const took = t.seconds === undefined ? '' : ` in ${formatDuration(t.seconds)}, part of the total`;
      out.push(`teacher: ${t.runDir} (${t.fromCache ? 'reused from the cache' : 'trained for this run'}${t.fromCache ? '' : took})`);
    }
    const table = formatMetricsTable(s.val, s.test);
    if (table) out.push('', table.trimEnd());
  } else {
    out.push('(no summary.json: the run has not started or its summary is unreadable)');
  }
  out.push('', 'config:', run.config ? JSON.stringify(run.config, undefined, 2) : '(no readable config.json)');
  if (report.lastMetrics.length > 0) {
    out.push('', `last ${report.lastMetrics.length} metric lines:`, ...report.lastMetrics.map(formatMetricLine));
  }
  return `${out.join('\n')}\n`;
}

export function registerShowCommand(program: Command, ctx: CommandContext): void {
  program
    .command('show')
    .description("show a run's summary, config and last metric lines")
    .argument('<run>', 'run directory, or a run name (or its suffix) under --dir')
    .option('-d, --dir <dir>', 'where to look up run names (default "runs")')
    .option('-n, --lines <n>', 'how many metric lines to show (default 10)')
    .action((run: string, _opts: unknown, cmd: Command) => {
      const options = ShowOptionsSchema.parse(cmd.optsWithGlobals());
      ctx.io.out(formatShowReport(showCommand(run, options, ctx.cwd)));
    });
}
