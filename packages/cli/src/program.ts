import { Command } from 'commander';
import { CliContribution, KT_VERSION } from '@kt/core';
import type { CommandContext } from './command-context';
import { registerCompareCommand } from './commands/compare-command';
import { registerDoctorCommand } from './commands/doctor-command';
import { registerPluginsCommand } from './commands/plugins-command';
import { registerRunCommand } from './commands/run-command';
import { registerRunsCommand } from './commands/runs-command';
import { registerShowCommand } from './commands/show-command';
import { registerValidateCommand } from './commands/validate-command';

/** The built-in commands, in help order. */
export const BUILTIN_COMMANDS = ['run', 'validate', 'plugins', 'runs', 'show', 'compare', 'doctor'] as const;

/**
 * The `kt` program: built-in commands, then each discovered plugin's CliContributions (a plugin
 * whose contribution throws is skipped with a warning). Errors are thrown, never exit the process.
 */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('kt');
  program
    .description('kt: knowledge transfer (teacher -> learner by minimising KL divergence, forward or backward)')
    .version(KT_VERSION, '-V, --version', 'print the kt version')
    .option('--debug', 'debug logs and stack traces (also env KT_DEBUG=1)')
    .helpCommand(true)
    .showHelpAfterError('(kt --help lists the commands; kt <command> --help describes one)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.out(text),
      writeErr: (text) => ctx.io.err(text),
    })
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 the run failed, 2 usage or config error, 130 interrupted (SIGINT; 143 SIGTERM).
Environment: KT_BACKEND (auto|tensorflow|wasm|cpu), KT_PLUGINS (comma-separated plugin packages or paths), KT_DEBUG=1.`,
    );
  registerRunCommand(program, ctx);
  registerValidateCommand(program, ctx);
  registerPluginsCommand(program, ctx);
  registerRunsCommand(program, ctx);
  registerShowCommand(program, ctx);
  registerCompareCommand(program, ctx);
  registerDoctorCommand(program, ctx);

  const container = ctx.catalog.container();
  if (container.isBound(CliContribution)) {
    for (const contribution of container.getAll<CliContribution>(CliContribution)) {
      try {
        contribution.configure(program);
      } catch (err) {
        ctx.io.err(`warning: a plugin's CLI contribution failed: ${(err as Error).message}\n`);
      }
    }
  }
  return program;
}
