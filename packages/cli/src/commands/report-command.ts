import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import type { Container } from 'inversify';
import { z } from 'zod';
import { ConfigError, ensureDir, writeFileAtomic } from '@kt/core';
import { globalOptionsShape, type CommandContext } from '../command-context';
import { buildReportData } from '../report/report-data';
import { renderReportHtml } from '../report/report-html';
import { writeChartPngs } from '../report/report-png';
import { isRunDir, readRun, resolveRunDir, withUniqueIds, type RunRecord } from '../run-reader';
import { isSweepDir, readSweepManifest, sweepRunDirs } from '../sweep/sweep-manifest';

export const ReportOptionsSchema = z.strictObject({
  ...globalOptionsShape,
  out: z.string().min(1).default('report.html'),
  dir: z.string().min(1).default('runs'),
  title: z.string().min(1).optional(),
  png: z.string().min(1).optional(),
  /** Config fields besides train.seed that only draw a seed's randomness (comma-separated, dotted). */
  seedFields: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(,[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)*$/, 'comma-separated dotted config fields, e.g. data.target.sampleSeed')
    .transform((s) => s.split(','))
    .optional(),
});
export type ReportOptions = z.infer<typeof ReportOptionsSchema>;

/** The run directories a spec names: a run, a run name under `runsDir`, or a sweep directory (its manifest's runs that exist). */
export function expandReportSpec(spec: string, cwd: string, runsDir: string): string[] {
  const direct = path.resolve(cwd, spec);
  if (!isRunDir(direct) && isSweepDir(direct)) {
    const dirs = sweepRunDirs(direct, readSweepManifest(direct)).filter(isRunDir);
    if (dirs.length === 0) throw new ConfigError(`sweep ${spec} has no runs yet (run it with kt sweep)`);
    return dirs;
  }
  return [resolveRunDir(spec, cwd, runsDir)];
}

export interface ReportResult {
  file: string;
  runs: number;
  charts: number;
  /** The chart PNGs written with --png. */
  pngs?: string[];
}

/** `kt report … --png DIR`: the page, then each chart as a PNG drawn by the system Chromium. */
export async function reportWithPngs(specs: readonly string[], options: ReportOptions, cwd: string, container?: Container, env: NodeJS.ProcessEnv = process.env): Promise<ReportResult> {
  const result = reportCommand(specs, options, cwd, container);
  if (options.png === undefined) return result;
  return { ...result, pngs: await writeChartPngs(result.file, result.charts, path.resolve(cwd, options.png), env) };
}

/** `kt report RUN…`: one self-contained HTML page about the runs (and sweeps) given. */
export function reportCommand(specs: readonly string[], options: ReportOptions, cwd: string, container?: Container): ReportResult {
  const dirs = [...new Set(specs.flatMap((s) => expandReportSpec(s, cwd, options.dir)))];
  const records: RunRecord[] = withUniqueIds(dirs.map(readRun));
  const title = options.title ?? (records.length === 1 ? `kt report: ${records[0]!.id}` : `kt report: ${records.length} runs`);
  const data = buildReportData(records, container, title, options.seedFields);
  const file = path.resolve(cwd, options.out);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new ConfigError(`--out ${options.out} is a directory; give a file name, e.g. ${path.join(options.out, 'report.html')}`);
  ensureDir(path.dirname(file));
  writeFileAtomic(file, renderReportHtml(data));
  return { file, runs: records.length, charts: data.charts.length };
}

export function registerReportCommand(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .description('write one self-contained HTML page about runs: config diff, final metrics, learning curves, plugin sections')
    .argument('<runs...>', 'run directories, run names under --dir, or sweep directories (their sweep.json)')
    .option('-o, --out <file>', 'the HTML file to write (default report.html)')
    .option('-d, --dir <dir>', 'where to look up run names (default "runs")')
    .option('-t, --title <text>', 'the page title')
    .option('--png <dir>', 'also write each chart as <dir>/<metric>.png (needs Chromium and playwright-core), e.g. for docs')
    .option('--seed-fields <fields>', 'config fields besides train.seed that a seed sets (comma-separated, e.g. data.target.sampleSeed): runs differing only in them are seeds of one setting')
    .addHelpText(
      'after',
      `
Examples:
  kt report runs/20250101-120000-digits-kd
  kt report runs/sweeps/lr-divergence --out lr.html
  kt report forward backward --dir runs/demo --out demo.html
  kt report runs/bench/mt-kd/* --out docs/results/mt-kd.html --png docs/results/figures/mt-kd
  kt report /tmp/kt-bench-finetune/figures/related-* --seed-fields data.target.sampleSeed

Seeds of one setting (configs equal but for train.seed and the --seed-fields) are drawn as their mean with a ± std band.`,
    )
    .action(async (runs: string[], _opts: unknown, cmd: Command) => {
      const options = ReportOptionsSchema.parse(cmd.optsWithGlobals());
      const result = await reportWithPngs(runs, options, ctx.cwd, ctx.catalog.container(), ctx.env);
      ctx.io.out(`report: ${result.file} (${result.runs} run${result.runs === 1 ? '' : 's'}, ${result.charts} chart${result.charts === 1 ? '' : 's'})\n`);
      for (const f of result.pngs ?? []) ctx.io.out(`figure: ${f}\n`);
    });
}
