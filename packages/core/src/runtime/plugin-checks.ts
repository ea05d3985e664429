import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { readConfigFile } from '../config/load-config';
import { findNonStrictObjects } from '../config/strict-schema';
import type { KtPlugin } from '../contracts/plugin';
import { buildContainer, PluginRegistry, TaskRegistry } from './plugin-registry';
import { resolveExperimentConfig } from './run-experiment';
import { assertNoIssues, experimentIssues } from './validate-experiment';

/** The task names a plugin's config schema accepts (its `task` enum); undefined when the schema has no such enum. */
export function schemaTaskNames(plugin: KtPlugin): string[] | undefined {
  const schema = plugin.configSchema;
  if (!(schema instanceof z.ZodObject)) return undefined;
  const task = (schema.shape as Record<string, z.ZodType>)['task'];
  return task instanceof z.ZodEnum ? (task.options as string[]).map(String) : undefined;
}

/**
 * Mismatches between the tasks a plugin's schema lists and the tasks its module registers, as
 * sentences (empty when they agree): a listed task nobody registered fails at run time, a registered
 * task the schema does not list can never be selected.
 */
export function pluginTaskMismatches(plugin: KtPlugin): string[] {
  const listed = schemaTaskNames(plugin);
  if (!listed) return [`plugin ${plugin.name}: its configSchema has no \`task\` enum (use defineExperimentSchema)`];
  const registered = new TaskRegistry(buildContainer([plugin])).tasksOf(plugin.name).map((t) => t.name);
  return [
    ...listed.filter((t) => !registered.includes(t)).map((t) => `plugin ${plugin.name}: schema lists task "${t}" but no Task of that name is bound`),
    ...registered.filter((t) => !listed.includes(t)).map((t) => `plugin ${plugin.name}: task "${t}" is bound but the schema's task enum does not list it`),
  ];
}

/**
 * What a plugin's own test should find empty: task mismatches between schema and module, config objects
 * that are not strict, and every
 * shipped config (`configsDir/*.yaml|yml|json`) that fails its schema or its task's checks. Checks of
 * `data.*` paths are left out: shipped configs name data folders relative to where kt is run.
 */
export function pluginProblems(plugin: KtPlugin): string[] {
  const problems = [
    ...pluginTaskMismatches(plugin),
    ...findNonStrictObjects(plugin.configSchema).map((p) => `plugin ${plugin.name}: config object at ${p} is not strict (unknown keys would be dropped silently; use z.strictObject)`),
  ];
  const dir = plugin.configsDir;
  if (!dir || !fs.existsSync(dir)) return problems;
  const registry = new PluginRegistry([{ plugin, from: plugin.name }]);
  const tasks = new TaskRegistry(buildContainer([plugin]));
  for (const file of fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) {
    try {
      const config = resolveExperimentConfig(readConfigFile(path.join(dir, file)), registry, file);
      const issues = experimentIssues(tasks.get(config.plugin, config.task), config).filter((i) => !i.path.startsWith('data.'));
      assertNoIssues(issues, file);
    } catch (err) {
      problems.push(`shipped config ${(err as Error).message}`);
    }
  }
  return problems;
}
