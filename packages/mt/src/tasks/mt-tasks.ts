import type { Task } from '@kt/core';
import { MT_TASKS, type MtTaskName } from '../config-schema';
import { mtReinforceTask } from './reinforce-task';
import { mtSeqKdTask } from './seq-kd-task';
import { mtTrainTask } from './train-task';
import { mtWordKdTask } from './word-kd-task';

export { mtTrainTask, mtWordKdTask, mtSeqKdTask, mtReinforceTask };

/** Every mt task by name: one entry per name of the schema's `task` enum (checked by the compiler and a test). */
export const MT_TASK_BY_NAME: { readonly [K in MtTaskName]: Task } = {
  train: mtTrainTask,
  'word-kd': mtWordKdTask,
  'seq-kd': mtSeqKdTask,
  reinforce: mtReinforceTask,
};

export const MT_TASK_LIST: readonly Task[] = MT_TASKS.map((name) => MT_TASK_BY_NAME[name]);
