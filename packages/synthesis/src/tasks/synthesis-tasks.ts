import type { Task } from '@kt/core';
import { SYNTHESIS_TASKS, type SynthesisTaskName } from '../config-schema';
import { wakeSleepTask } from './wake-sleep-task';

/**
 * Every task by name, one entry per name of the schema's `task` enum: the compiler rejects a missing or
 * unknown name, and `pluginProblems` (core) checks the bound tasks against the schema.
 */
export const SYNTHESIS_TASK_BY_NAME: { readonly [K in SynthesisTaskName]: Task } = {
  'wake-sleep': wakeSleepTask,
};

/** The tasks in schema order: what the plugin's module binds. */
export const SYNTHESIS_TASK_LIST: readonly Task[] = SYNTHESIS_TASKS.map((name) => SYNTHESIS_TASK_BY_NAME[name]);
