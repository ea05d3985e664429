import * as os from 'os';
import * as path from 'path';
import type { Command } from 'commander';
import { z } from 'zod';
import { ConfigError, configureProgress, ensureDir, installStopHandlers, signalExitCode, startProgress, type Logger } from '@kt/core';
import { createIoLogger } from '../cli-io';
import { collect, debugFromEnv, globalOptionsShape, type CommandContext } from '../command-context';
import { loadExperimentFile } from '../experiment-loader';
import { formatTable } from '../format';
import type { PluginCatalog } from '../plugin-catalog';
import { isSweepDir, readSweepManifest, writeSweepManifest, type SweepManifest } from '../sweep/sweep-manifest';
import { parseGrid, planSweep, sameSweep } from '../sweep/sweep-plan';
import { openStore, pullSweepResults, queueCounts, queueSweepCommand } from '../sweep/sweep-queue';
import { runPool, sweepJobs, sweepRunState, type PoolResult, type SweepRunState } from '../sweep/sweep-runner';
import { compareSweep } from '../sweep/sweep-table';

export const SweepOptionsSchema = z.strictObject({
  ...globalOptionsShape,
  grid: z.array(z.string()).default([]),
  set: z.array(z.string()).default([]),
  seeds: z.coerce.number().int().min(1).max(1000).default(1),
  parallel: z.coerce.number().int().min(1).max(256).optional(),
  baseline: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
  queue: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, 'expected redis://host:port')
    .optional(),
  store: z
    .string()
    .regex(/^s3:\/\/[^\s]+$/, 'expected s3://bucket/prefix')
    .optional(),
  s3Endpoint: z.string().min(1).optional(),
  status: z.boolean().default(false),
  quiet: z.boolean().default(false),
});
export type SweepOptions = z.infer<typeof SweepOptionsSchema>;

export interface SweepDeps {
  catalog: PluginCatalog;
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  shouldStop?: () => boolean;
  /** The kt binary child runs use (tests). */
  ktBin?: string;
}

/** `runs/sweeps/<config file name without extension>` under cwd, unless --out says otherwise. */
export function defaultSweepDir(cwd: string, config: string): string {
  return path.resolve(cwd, 'runs', 'sweeps', path.basename(config).replace(/\.(ya?ml|json)$/i, ''));
}

/**
 * The sweep's manifest: planned from the config and flags (every cell's config validated first, so
 * a wrong grid key is an error before anything runs) and written to the sweep directory, or read
 * back from it (`--status`, or a second invocation: it must describe the same sweep).
 */
export function prepareSweep(configFile: string | undefined, options: SweepOptions, deps: SweepDeps): { sweepDir: string; manifest: SweepManifest } {
  if (configFile === undefined) {
    if (options.out === undefined) throw new ConfigError('give a CONFIG file, or --out SWEEP_DIR of an existing sweep');
    const sweepDir = path.resolve(deps.cwd, options.out);
    if (!isSweepDir(sweepDir)) throw new ConfigError(`${options.out} holds no sweep (no sweep.json); give the CONFIG file to start one`);
    const manifest = readSweepManifest(sweepDir);
    return { sweepDir, manifest };
  }
  const sweepDir = options.out !== undefined ? path.resolve(deps.cwd, options.out) : defaultSweepDir(deps.cwd, configFile);
  const planned = planSweep({ config: path.resolve(deps.cwd, configFile), sets: options.set, grid: parseGrid(options.grid), seeds: options.seeds, baseline: options.baseline, queue: options.queue });
  for (const cell of planned.cells) {
    try {
      loadExperimentFile(configFile, [...options.set, ...cell.overrides], deps.catalog, deps.cwd);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`sweep cell ${cell.id}: ${err.message}`);
      throw err;
    }
  }
  if (isSweepDir(sweepDir)) {
    const existing = readSweepManifest(sweepDir);
    if (!sameSweep(existing, planned)) {
      throw new ConfigError(`${sweepDir} holds another sweep (config ${existing.config}, grid ${existing.grid.map((a) => `${a.key}=${a.values.join(',')}`).join(' ') || '(none)'}, ${existing.seeds.length} seeds); give --out another directory`);
    }
  }
  ensureDir(sweepDir);
  writeSweepManifest(sweepDir, planned);
  return { sweepDir, manifest: planned };
}

/** Per cell: how many of its runs are in each state. */
export function sweepStatus(sweepDir: string, manifest: SweepManifest): { headers: string[]; rows: string[][]; counts: Record<SweepRunState | 'failed', number> } {
  const counts: Record<SweepRunState | 'failed', number> = { pending: 0, running: 0, resumable: 0, done: 0, broken: 0, failed: 0 };
  const rows = manifest.cells.map((cell) => {
    const c: Record<string, number> = {};
    for (const job of sweepJobs(sweepDir, manifest).filter((j) => j.cell.id === cell.id)) {
      const { state, summary } = sweepRunState(job.runDir);
      const key = state === 'resumable' && summary?.status === 'failed' ? 'failed' : state;
      c[key] = (c[key] ?? 0) + 1;
      counts[key] += 1;
    }
    return [cell.id, ...(['pending', 'running', 'resumable', 'failed', 'done'] as const).map((k) => String(c[k] ?? 0))];
  });
  return { headers: ['cell', 'queued', 'running', 'interrupted', 'failed', 'done'], rows, counts };
}

export interface SweepResult {
  sweepDir: string;
  manifest: SweepManifest;
  pool?: PoolResult;
  table: string;
}

/** `kt sweep`: expands the grid × seeds into runs, runs those not done on a local pool, and compares the cells. */
export async function sweepCommand(configFile: string | undefined, options: SweepOptions, deps: SweepDeps): Promise<SweepResult> {
  if (options.store !== undefined && options.queue === undefined && !options.status) {
    throw new ConfigError('--store is where kt worker processes keep the runs: give --queue redis://host:port too (a local sweep writes its own directory)');
  }
  const { sweepDir, manifest } = prepareSweep(configFile, options, deps);
  if (options.status) {
    // A sweep kept in object storage: its runs' results are brought into the sweep directory first.
    if (options.store !== undefined) await pullSweepResults(await openStore(options.store, deps.env, options.s3Endpoint), sweepDir, manifest);
    const s = sweepStatus(sweepDir, manifest);
    return { sweepDir, manifest, table: formatTable(s.headers, s.rows) };
  }
  const total = manifest.cells.length * manifest.seeds.length;
  const parallel = options.parallel ?? os.availableParallelism();
  deps.log.info(`sweep ${sweepDir}: ${manifest.cells.length} cell${manifest.cells.length === 1 ? '' : 's'} × ${manifest.seeds.length} seed${manifest.seeds.length === 1 ? '' : 's'} = ${total} runs, ${parallel} at a time`);
  const progress = startProgress('sweep', total, { log: deps.log, unit: 'runs', every: 1 });
  let finished = 0;
  const pool = await runPool(
    manifest,
    sweepDir,
    { parallel, cwd: deps.cwd, env: deps.env, shouldStop: deps.shouldStop, ktBin: deps.ktBin },
    {
      onSkip: (job, state) => {
        finished += 1;
        progress.update(finished);
        if (state === 'running') progress.log(`${job.cell.id} seed ${job.seed}: already running in another process, left to it`);
      },
      onStart: (job, resumed) => progress.log(`${job.cell.id} seed ${job.seed}: ${resumed ? 'resuming' : 'started'} (${path.relative(deps.cwd, job.runDir)})`),
      onEnd: (job, outcome) => {
        finished += 1;
        const last = outcome.stderr.trim().split('\n').filter((l) => l.startsWith('error'))[0];
        const what = outcome.code === 0 ? 'done' : outcome.code === 130 || outcome.code === 143 ? 'interrupted' : `failed (exit ${outcome.code}${last ? `: ${last}` : ''})`;
        progress.log(`${job.cell.id} seed ${job.seed}: ${what}`);
        progress.update(finished);
      },
    },
  );
  progress.done();
  const cmp = compareSweep(sweepDir, manifest);
  return { sweepDir, manifest, pool, table: formatTable(cmp.headers, cmp.rows) };
}

export function registerSweepCommand(program: Command, ctx: CommandContext): void {
  program
    .command('sweep')
    .description('run a grid of config overrides × seeds (resumable), then compare the cells: mean ± std, paired differences')
    .argument('[config]', 'experiment config, YAML or JSON (optional with --status --out DIR)')
    .option('-g, --grid <key=v1,v2>', 'one axis of the grid, e.g. --grid transfer.divergence=forward,backward (repeatable)', collect)
    .option('-s, --set <key=value>', 'an override for every cell (repeatable)', collect)
    .option('--seeds <n>', 'seeds per cell: train.seed = 1..n (default 1)')
    .option('-p, --parallel <n>', 'runs at a time on this machine (default: the number of cores)')
    .option('--baseline <cell>', 'the cell the others are compared with, seed by seed (its id, or key=value picking one cell)')
    .option('-o, --out <dir>', 'the sweep directory (default runs/sweeps/<config name>)')
    .option('--queue <url>', 'put the runs on a BullMQ queue in Redis (redis://host:port) for kt worker processes')
    .option('--store <s3://bucket/prefix>', 'with --queue: workers keep the runs in S3-compatible object storage there, not in a shared directory')
    .option('--s3-endpoint <url>', 'the S3 endpoint for --store, e.g. http://10.0.0.5:9000 (default env KT_S3_ENDPOINT or AWS_ENDPOINT_URL, else AWS); credentials from env AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY')
    .option('--status', 'show how many runs of each cell are queued, running, interrupted, failed, done')
    .option('-q, --quiet', 'no progress lines, only the comparison table')
    .addHelpText(
      'after',
      `
Examples:
  kt sweep packages/mt/configs/synthetic-word-forward.yaml --grid transfer.divergence=forward,backward --seeds 3 --baseline transfer.divergence=forward
  kt sweep exp.yaml --grid train.lr=0.001,0.003 --grid transfer.temperature=1,2 --parallel 2
  kt sweep exp.yaml --status
  kt report runs/sweeps/exp

Run it again to continue: completed runs are skipped, interrupted ones resume from their checkpoint.`,
    )
    .action(async (config: string | undefined, _opts: unknown, cmd: Command) => {
      const options = SweepOptionsSchema.parse(cmd.optsWithGlobals());
      const log = createIoLogger(ctx.io, { debug: options.debug || debugFromEnv(ctx.env), quiet: options.quiet });
      if (options.quiet) configureProgress({ mode: 'off' });
      if (options.queue !== undefined && !options.status) {
        const result = await queueSweepCommand(config, options, { catalog: ctx.catalog, cwd: ctx.cwd, env: ctx.env, log });
        ctx.io.out(`sweep directory: ${result.sweepDir}\n\n${result.table}\nreport: kt report ${result.sweepDir}\n`);
        if (result.failed > 0) ctx.setExitCode(1);
        return;
      }
      const stop = installStopHandlers((text) => ctx.io.err(text));
      try {
        const result = await sweepCommand(config, options, { catalog: ctx.catalog, cwd: ctx.cwd, env: ctx.env, log, shouldStop: stop.shouldStop });
        if (options.status && result.manifest.queue !== undefined) {
          const counts = await queueCounts(result.manifest.queue, result.sweepDir);
          ctx.io.out(`queue ${result.manifest.queue}: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
        }
        ctx.io.out(`sweep directory: ${result.sweepDir}\n\n${result.table}${options.status ? '' : `\nreport: kt report ${result.sweepDir}\n`}`);
        if (result.pool?.interrupted) ctx.setExitCode(signalExitCode(stop.signal ?? 'SIGINT'));
        else if ((result.pool?.failed.length ?? 0) > 0) ctx.setExitCode(1);
      } finally {
        stop.dispose();
      }
    });
}

