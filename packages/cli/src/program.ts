import { Command } from 'commander';
import { CliContribution, KT_VERSION } from '@kt/core';
import type { CommandContext } from './command-context';
import { registerCompareCommand } from './commands/compare-command';
import { registerDoctorCommand } from './commands/doctor-command';
import { registerPluginsCommand } from './commands/plugins-command';
import { registerReportCommand } from './commands/report-command';
import { registerRunCommand } from './commands/run-command';
import { registerRunsCommand } from './commands/runs-command';
import { registerShowCommand } from './commands/show-command';
import { registerSweepCommand } from './commands/sweep-command';
import { registerValidateCommand } from './commands/validate-command';
import { registerWorkerCommand } from './commands/worker-command';

/** The built-in commands, in help order. */
export const BUILTIN_COMMANDS = ['run', 'validate', 'plugins', 'runs', 'show', 'compare', 'report', 'sweep', 'worker', 'doctor'] as const;

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
  registerReportCommand(program, ctx);
  registerSweepCommand(program, ctx);
  registerWorkerCommand(program, ctx);
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

/** Edit distance (insert, delete, substitute, swap neighbours) for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Commander answers `kt no-such-command --help` with the main help and exit 0, because it handles
 * the help flag before it looks the command up. kt checks the command name first: an unknown
 * command is a usage error (exit 2) whatever flags follow it. The program's own options (--debug,
 * --version, --help) take no value, so the first argument not starting with `-` is the command.
 */
export function rejectUnknownCommand(program: Command, args: readonly string[]): void {
  const name = args.find((a) => !a.startsWith('-'));
  if (name === undefined) return;
  const known = ['help', ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])];
  if (known.includes(name)) return;
  const close = known.filter((k) => editDistance(name, k) <= Math.max(1, Math.floor(k.length / 3)));
  const suggestion = close.length > 0 ? `\n(Did you mean ${close.join(', ')}?)` : '';
  program.error(`error: unknown command '${name}'${suggestion}`, { code: 'commander.unknownCommand', exitCode: 2 });
}
