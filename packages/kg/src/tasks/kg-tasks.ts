import type { Task } from '@kt/core';
import { KG_TASKS, type KgTaskName } from '../config-schema';
import { kgKdTask } from './kd-task';
import { kgKensTask } from './kens-task';
import { kgTrainTask } from './train-task';

export { kgKdTask, kgKensTask, kgTrainTask };

/** Every kg task by name: one entry per name of the schema's `task` enum (checked by the compiler and a test). */
export const KG_TASK_BY_NAME: { readonly [K in KgTaskName]: Task } = { kd: kgKdTask, kens: kgKensTask, train: kgTrainTask };

export const KG_TASK_LIST: readonly Task[] = KG_TASKS.map((name) => KG_TASK_BY_NAME[name]);
