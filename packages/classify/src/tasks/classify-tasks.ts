import type { Task } from '@kt/core';
import { CLASSIFY_TASKS, type ClassifyTaskName } from '../config-schema';
import { classifyKdTask } from './kd-task';
import { classifyTrainTask } from './train-task';

export { classifyKdTask, classifyTrainTask };

/** Every classify task by name: one entry per name of the schema's `task` enum (checked by the compiler and a test). */
export const CLASSIFY_TASK_BY_NAME: { readonly [K in ClassifyTaskName]: Task } = { kd: classifyKdTask, train: classifyTrainTask };

export const CLASSIFY_TASK_LIST: readonly Task[] = CLASSIFY_TASKS.map((name) => CLASSIFY_TASK_BY_NAME[name]);
