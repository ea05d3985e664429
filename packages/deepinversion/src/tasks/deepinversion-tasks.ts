import type { Task } from '@kt/core';
import { DEEPINVERSION_TASKS, type DeepInversionTaskName } from '../config-schema';
import { deepInversionDistillTask } from './distill-task';
import { deepInversionTrainTask } from './train-task';

/** Every deepinversion task by name: one entry per name of the schema's `task` enum. */
export const DEEPINVERSION_TASK_BY_NAME: { readonly [K in DeepInversionTaskName]: Task } = {
  distill: deepInversionDistillTask,
  train: deepInversionTrainTask,
};

export const DEEPINVERSION_TASK_LIST: readonly Task[] = DEEPINVERSION_TASKS.map((name) => DEEPINVERSION_TASK_BY_NAME[name]);
