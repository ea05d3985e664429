import type { Command } from 'commander';
import { z } from 'zod';
import { TaskRegistry } from '@kt/core';
import { globalOptionsShape, type CommandContext } from '../command-context';
import { formatTable } from '../format';
import type { PluginCatalog, PluginLoadFailure } from '../plugin-catalog';

export const PluginsOptionsSchema = z.strictObject({ ...globalOptionsShape });
export type PluginsOptions = z.infer<typeof PluginsOptionsSchema>;

export interface PluginRow {
  name: string;
  version: string;
  packageName: string;
  origin: string;
  tasks: string[];
  description: string;
}

export interface PluginsReport {
  plugins: PluginRow[];
  failures: readonly PluginLoadFailure[];
}

/** `kt plugins`: every discovered plugin with the tasks its module registers. */
export function pluginsCommand(catalog: PluginCatalog): PluginsReport {
  const tasks = new TaskRegistry(catalog.container());
  const plugins = [...catalog.loaded]
    .sort((a, b) => a.plugin.name.localeCompare(b.plugin.name))
    .map((l) => ({
      name: l.plugin.name,
      version: l.plugin.version,
      packageName: l.packageName,
      origin: l.origin,
      tasks: tasks.tasksOf(l.plugin.name).map((t) => t.name),
      description: l.plugin.description,
    }));
  return { plugins, failures: catalog.failures };
}

export function formatPluginsReport(report: PluginsReport): string {
  if (report.plugins.length === 0) return 'no plugins found (workspace packages with kt.plugin, node_modules/@kt/*, env KT_PLUGINS)\n';
  return formatTable(
    ['name', 'version', 'package', 'tasks', 'description'],
    report.plugins.map((p) => [p.name, p.version, p.packageName, p.tasks.join(', ') || '-', p.description]),
  );
}

export function registerPluginsCommand(program: Command, ctx: CommandContext): void {
  program
    .command('plugins')
    .description('list the discovered plugins and their tasks')
    .addHelpText(
      'after',
      '\nPlugins come from workspace packages declaring "kt.plugin", installed node_modules/@kt/* packages, env KT_PLUGINS\n(comma-separated names or paths) and, per experiment, the config\'s plugins: list.',
    )
    .action((_opts: unknown, cmd: Command) => {
      PluginsOptionsSchema.parse(cmd.optsWithGlobals());
      const report = pluginsCommand(ctx.catalog);
      for (const f of report.failures) ctx.io.err(`warning: could not load plugin package ${f.spec} (${f.origin}): ${f.message}\n`);
      ctx.io.out(formatPluginsReport(report));
    });
}
