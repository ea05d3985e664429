import type { Command } from 'commander';
import { z } from 'zod';
import { validateExperiment, type BaseExperimentConfig } from '@kt/core';
import { collect, globalOptionsShape, type CommandContext } from '../command-context';
import { loadExperimentFile } from '../experiment-loader';
import type { PluginCatalog } from '../plugin-catalog';

export const ValidateOptionsSchema = z.strictObject({
  ...globalOptionsShape,
  set: z.array(z.string()).default([]),
  quiet: z.boolean().default(false),
});
export type ValidateOptions = z.infer<typeof ValidateOptionsSchema>;

export interface ValidateResult {
  plugin: string;
  task: string;
  /** The resolved config: every default filled in. */
  config: BaseExperimentConfig;
}

/** `kt validate`: reads, overrides and validates a config without running it; throws ConfigError listing every problem. */
export function validateCommand(
  configFile: string,
  options: ValidateOptions,
  deps: { catalog: PluginCatalog; cwd: string },
): ValidateResult {
  const { config, container } = loadExperimentFile(configFile, options.set, deps.catalog, deps.cwd);
  // What `kt run` would reject before training: data files, teacher checkpoints, metrics the task does not report.
  validateExperiment(config, container, configFile);
  return { plugin: config.plugin, task: config.task, config };
}

export function formatValidateResult(result: ValidateResult, quiet: boolean): string {
  const head = `ok: ${result.plugin}/${result.task}\n`;
  return quiet ? head : `${head}${JSON.stringify(result.config, undefined, 2)}\n`;
}

export function registerValidateCommand(program: Command, ctx: CommandContext): void {
  program
    .command('validate')
    .description('check a config (and --set overrides) against its plugin schema and its task\'s checks (files, teacher checkpoint, metrics); print the resolved config')
    .argument('<config>', 'experiment config, YAML or JSON')
    .option('-s, --set <key=value>', 'override a config value (repeatable)', collect)
    .option('-q, --quiet', 'print only the ok line')
    .addHelpText('after', '\nExit codes: 0 valid, 2 invalid (every problem is listed as "- path.to.field: message").')
    .action((config: string, _opts: unknown, cmd: Command) => {
      const options = ValidateOptionsSchema.parse(cmd.optsWithGlobals());
      const result = validateCommand(config, options, { catalog: ctx.catalog, cwd: ctx.cwd });
      ctx.io.out(formatValidateResult(result, options.quiet));
    });
}
