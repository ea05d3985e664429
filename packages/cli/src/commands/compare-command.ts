import type { Command } from 'commander';
import { z } from 'zod';
import { globalOptionsShape, type CommandContext } from '../command-context';
import { formatNumber, formatTable } from '../format';
import { configValue, formatSteps, readRun, resolveRunDir, runStatus, withUniqueIds, type RunRecord } from '../run-reader';

export const CompareOptionsSchema = z.strictObject({
  ...globalOptionsShape,
  dir: z.string().min(1).default('runs'),
});
export type CompareOptions = z.infer<typeof CompareOptionsSchema>;

export interface CompareTable {
  /** One column per run (its directory name). */
  runs: string[];
  /** Row label, then one cell per run. */
  rows: [string, ...string[]][];
}

const CONFIG_ROWS = ['transfer.divergence', 'transfer.temperature', 'transfer.alpha', 'train.lr', 'train.seed'];

/** `kt compare RUN…`: setup and metrics (val.* and test.*) side by side, one column per run. */
export function compareCommand(specs: readonly string[], options: CompareOptions, cwd: string): CompareTable {
  const records: RunRecord[] = withUniqueIds(specs.map((s) => readRun(resolveRunDir(s, cwd, options.dir))));
  const cell = (f: (r: RunRecord) => string): string[] => records.map(f);
  const rows: [string, ...string[]][] = [
    ['plugin/task', ...cell((r) => (r.summary ? `${r.summary.plugin}/${r.summary.task}` : '-'))],
    ['status', ...cell((r) => runStatus(r).status)],
    ['steps', ...cell((r) => formatSteps(runStatus(r)))],
  ];
  for (const key of CONFIG_ROWS) {
    const values = cell((r) => {
      const v = configValue(r.config, key);
      return v === undefined ? '-' : typeof v === 'number' ? formatNumber(v) : String(v);
    });
    if (values.some((v) => v !== '-')) rows.push([key, ...values]);
  }
  for (const split of ['val', 'test'] as const) {
    const names = [...new Set(records.flatMap((r) => Object.keys(r.summary?.[split] ?? {})))];
    for (const n of names) rows.push([`${split}.${n}`, ...cell((r) => formatNumber(r.summary?.[split]?.[n]))]);
  }
  return { runs: records.map((r) => r.id), rows };
}

export function formatCompareTable(table: CompareTable): string {
  return formatTable(['', ...table.runs], table.rows);
}

export function registerCompareCommand(program: Command, ctx: CommandContext): void {
  program
    .command('compare')
    .description('compare runs side by side: setup, val and test metrics, one column per run')
    .argument('<runs...>', 'run directories, or run names (or suffixes) under --dir')
    .option('-d, --dir <dir>', 'where to look up run names (default "runs")')
    .action((runs: string[], _opts: unknown, cmd: Command) => {
      const options = CompareOptionsSchema.parse(cmd.optsWithGlobals());
      ctx.io.out(formatCompareTable(compareCommand(runs, options, ctx.cwd)));
    });
}
