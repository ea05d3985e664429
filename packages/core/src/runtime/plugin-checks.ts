import { z } from 'zod';
import type { KtPlugin } from '../contracts/plugin';
import { buildContainer, TaskRegistry } from './plugin-registry';

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
