import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { findWorkspaceRoot } from '@kt/core';
import { processIo, type CliIo } from './cli-io';
import { debugFromEnv, type CommandContext } from './command-context';
import { handleError } from './error-handler';
import { PluginCatalog } from './plugin-catalog';
import { buildProgram, rejectUnknownCommand } from './program';

export interface CliOptions {
  io?: CliIo;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Plugins to use instead of discovering them (tests). */
  catalog?: PluginCatalog;
}

/**
 * Runs `kt` with `argv` (`process.argv` shape: node, script, args…) and resolves to the exit code:
 * 0 success, 1 run failed, 2 usage/config error, 130/143 interrupted. Never exits the process.
 */
export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const debug = argv.slice(2).includes('--debug') || debugFromEnv(env);
  let exitCode = 0;
  try {
    const catalog =
      options.catalog ??
      PluginCatalog.discover({ cwd, env, requireFn: require, workspaceRoot: findWorkspaceRoot(path.join(__dirname, '..')) });
    for (const f of catalog.failures) {
      const line = `could not load plugin package ${f.spec} (${f.origin}): ${f.message}`;
      if (f.origin === 'env') io.err(`warning: ${line}\n`);
      else if (debug) io.err(`debug: ${line}\n`);
    }
    const ctx: CommandContext = {
      io,
      cwd,
      env,
      catalog,
      setExitCode: (code) => {
        exitCode = code;
      },
    };
    const program = buildProgram(ctx);
    rejectUnknownCommand(program, argv.slice(2));
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    const handled = handleError(err, debug);
    if (handled.text) io.err(handled.text);
    return handled.exitCode;
  }
}

/** The `kt` binary's entry point: runs the CLI on `argv` and sets `process.exitCode`. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  // Production mode: no tfjs debug checks, and no "install tfjs-node" banner (kt logs its backend itself).
  tf.env().set('PROD', true);
  process.exitCode = await runCli(argv);
}
