import type { Task } from '@kt/core';
import { FINETUNE_TASKS, type FinetuneTaskName } from '../config-schema';
import { finetuneTask } from './finetune-task';
import { finetunePretrainTask } from './pretrain-task';

/**
 * Every task by name, one entry per name of the schema's `task` enum: the compiler rejects a missing or
 * unknown name, and `pluginProblems` (core) checks the bound tasks against the schema.
 */
export const FINETUNE_TASK_BY_NAME: { readonly [K in FinetuneTaskName]: Task } = {
  pretrain: finetunePretrainTask,
  finetune: finetuneTask,
};

/** The tasks in schema order: what the plugin's module binds. */
export const FINETUNE_TASK_LIST: readonly Task[] = FINETUNE_TASKS.map((name) => FINETUNE_TASK_BY_NAME[name]);
