import * as path from 'path';
import type { Command } from 'commander';
import { z } from 'zod';
import {
  applyOverrides,
  BACKEND_REQUESTS,
  ConfigError,
  configHash,
  configureProgress,
  disposeMap,
  initBackend,
  installStopHandlers,
  latestCheckpoint,
  readCheckpoint,
  readRunConfig,
  runExperiment,
  RunLock,
  signalExitCode,
  type BackendInfo,
  type BaseExperimentConfig,
  type Logger,
  type RunSummary,
  type TrainerCallback,
} from '@kt/core';
import { chooseBackend } from '../backend-choice';
import { createIoLogger } from '../cli-io';
import { collect, debugFromEnv, globalOptionsShape, type CommandContext } from '../command-context';
import { configDifferences } from '../config-diff';
import { loadExperimentFile, resolveExperiment, type LoadedExperiment } from '../experiment-loader';
import { formatNumber, formatDuration, formatTable } from '../format';
import type { PluginCatalog } from '../plugin-catalog';

export const RunOptionsSchema = z.strictObject({
  ...globalOptionsShape,
  set: z.array(z.string()).default([]),
  backend: z.enum(BACKEND_REQUESTS).optional(),
  resume: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
  /** Exactly this new run directory (sweeps and workers name their runs' directories). */
  runDir: z.string().min(1).optional(),
  quiet: z.boolean().default(false),
});
export type RunOptions = z.infer<typeof RunOptionsSchema>;

export interface RunDeps {
  catalog: PluginCatalog;
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Polled between steps (the SIGINT/SIGTERM flag). */
  shouldStop?: () => boolean;
  /** Progress lines on the log (default true). */
  progress?: boolean;
}

export interface RunResult {
  runDir: string;
  summary: RunSummary;
  backend: BackendInfo;
  resumed: boolean;
}

/** Logs each checkpoint the trainer writes (`checkpoint: step N -> DIR`). */
function checkpointLogger(log: Logger): TrainerCallback {
  return {
    onCheckpoint: (step, dir) => log.info(`checkpoint: step ${step} -> ${dir}`),
  };
}

/**
 * Refuses, before anything in the run directory is touched, a run whose latest checkpoint is
 * corrupted or belongs to another experiment (CheckpointError, exit 2).
 */
export function checkResumable(runDir: string, config: BaseExperimentConfig): void {
  // A run another process is still writing is refused first (exit 2, naming its pid): its checkpoints may change while read.
  RunLock.assertFree(runDir);
  const dir = latestCheckpoint(path.join(runDir, 'checkpoints'));
  if (dir === undefined) return;
  const contents = readCheckpoint(dir, configHash(config));
  for (const group of contents.groups.values()) disposeMap(group);
}

function loadForResume(configFile: string | undefined, options: RunOptions, deps: RunDeps): { experiment: LoadedExperiment; runDir: string } {
  const runDir = path.resolve(deps.cwd, options.resume!);
  const saved = readRunConfig(runDir);
  const fromRun = resolveExperiment(saved, path.join(options.resume!, 'config.json'), runDir, deps.catalog, deps.cwd);
  if (configFile !== undefined || options.set.length > 0) {
    const given =
      configFile !== undefined
        ? loadExperimentFile(configFile, options.set, deps.catalog, deps.cwd)
        : resolveExperiment(applyOverrides(saved, options.set), '--set', runDir, deps.catalog, deps.cwd);
    const diff = configDifferences(fromRun.config, given.config);
    if (diff.length > 0) {
      throw new ConfigError(
        `${configFile ?? 'the --set overrides'} do${configFile ? 'es' : ''} not match the config of run ${options.resume}; differing fields: ${diff.join(', ')}`,
      );
    }
  }
  return { experiment: fromRun, runDir };
}

/**
 * `kt run`: loads and validates the experiment, initialises the backend (flag > KT_BACKEND >
 * config > auto), and trains it into a new run directory, or continues `--resume RUN_DIR` from
 * its latest checkpoint.
 */
export async function runCommand(configFile: string | undefined, options: RunOptions, deps: RunDeps): Promise<RunResult> {
  if (configFile === undefined && options.resume === undefined) {
    throw new ConfigError('give a CONFIG file, or --resume RUN_DIR to continue a run');
  }
  if (options.resume !== undefined && options.out !== undefined) {
    throw new ConfigError('--out cannot be combined with --resume (a resumed run stays in its own directory)');
  }
  if (options.runDir !== undefined && options.resume !== undefined) {
    throw new ConfigError('--run-dir cannot be combined with --resume (a resumed run stays in its own directory)');
  }
  let experiment: LoadedExperiment;
  let resumeDir: string | undefined;
  if (options.resume !== undefined) {
    const loaded = loadForResume(configFile, options, deps);
    experiment = loaded.experiment;
    resumeDir = loaded.runDir;
  } else {
    experiment = loadExperimentFile(configFile!, options.set, deps.catalog, deps.cwd);
  }
  const { config, container } = experiment;
  const choice = chooseBackend(options.backend, deps.env, config.backend);
  const backend = await initBackend({ requested: choice.requested, log: (l) => deps.log.info(l) });
  deps.log.debug(`backend ${backend.name} chosen by ${choice.source}`);
  if (resumeDir !== undefined) checkResumable(resumeDir, config);
  const outcome = await runExperiment({
    config,
    container,
    log: deps.log,
    backend: backend.name,
    outDir: resumeDir === undefined ? path.resolve(deps.cwd, options.out ?? config.output.dir) : undefined,
    runDir: options.runDir === undefined ? undefined : path.resolve(deps.cwd, options.runDir),
    resumeDir,
    shouldStop: deps.shouldStop,
    progress: deps.progress,
    callbacks: [checkpointLogger(deps.log)],
  });
  return { ...outcome, backend, resumed: resumeDir !== undefined };
}

/** Val and test metrics side by side. */
export function formatMetricsTable(val: Record<string, number> | undefined, test: Record<string, number> | undefined): string {
  const names = [...new Set([...Object.keys(val ?? {}), ...Object.keys(test ?? {})])];
  if (names.length === 0) return '';
  return formatTable(
    ['metric', 'val', 'test'],
    names.map((n) => [n, formatNumber(val?.[n]), formatNumber(test?.[n])]),
  );
}

/** What `kt run` prints on stdout: the run directory, its status and the final metrics. */
export function formatRunResult(result: RunResult): string {
  const s = result.summary;
  const lines = [`run directory: ${result.runDir}`];
  if (s.status === 'interrupted') {
    lines.push(`status: interrupted at step ${s.steps}/${s.totalSteps}; continue with: kt run --resume ${result.runDir}`);
  } else {
    lines.push(
      `status: ${s.status}, ${s.steps}/${s.totalSteps} steps in ${formatDuration(s.timings.trainSeconds)} (${s.timings.stepsPerSecond.toFixed(2)} steps/s), backend ${result.backend.name}`,
    );
  }
  const table = formatMetricsTable(s.val, s.test);
  return `${lines.join('\n')}\n${table ? `\n${table}` : ''}`;
}

export function registerRunCommand(program: Command, ctx: CommandContext): void {
  program
    .command('run')
    .description('train an experiment from a config file (or continue one with --resume)')
    .argument('[config]', 'experiment config, YAML or JSON (optional with --resume)')
    .option('-s, --set <key=value>', 'override a config value, e.g. --set train.lr=0.01 (repeatable)', collect)
    .option('-b, --backend <name>', `tfjs backend: ${BACKEND_REQUESTS.join(', ')} (overrides env KT_BACKEND and the config)`)
    .option('-r, --resume <runDir>', 'continue an interrupted run from its latest checkpoint')
    .option('-o, --out <dir>', 'parent directory of the new run directory (default: config output.dir, "runs")')
    .option('--run-dir <dir>', 'write the run into exactly this new directory (as kt sweep does; --out then only places the teacher cache, <out>/.cache)')
    .option('-q, --quiet', 'no progress or log lines, only the result and warnings')
    .addHelpText(
      'after',
      `
Examples:
  kt run packages/classify/configs/mnist-forward.yaml
  kt run exp.yaml --set train.lr=0.01 --set transfer.divergence=backward --backend wasm
  kt run --resume runs/20250101-120000-exp

Ctrl-C once: checkpoint after the current step and stop (exit 130); twice: abort at once.`,
    )
    .action(async (config: string | undefined, _opts: unknown, cmd: Command) => {
      const options = RunOptionsSchema.parse(cmd.optsWithGlobals());
      const log = createIoLogger(ctx.io, { debug: options.debug || debugFromEnv(ctx.env), quiet: options.quiet });
      // Bars on a terminal, plain lines otherwise; --quiet turns both off (training, decoding, downloads, evaluation).
      if (options.quiet) configureProgress({ mode: 'off' });
      const stop = installStopHandlers((text) => ctx.io.err(text));
      try {
        const result = await runCommand(config, options, {
          catalog: ctx.catalog,
          cwd: ctx.cwd,
          env: ctx.env,
          log,
          shouldStop: stop.shouldStop,
          progress: !options.quiet,
        });
        ctx.io.out(formatRunResult(result));
        if (result.summary.status === 'interrupted') ctx.setExitCode(signalExitCode(stop.signal ?? 'SIGINT'));
      } finally {
        stop.dispose();
      }
    });
}
