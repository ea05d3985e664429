import { ContainerModule } from 'inversify';
import { Task } from '@kt/core';
import { SYNTHESIS_TASK_LIST } from './tasks/synthesis-tasks';

/** Binds the plugin's contributions: each task of SYNTHESIS_TASK_LIST as a `Task` (add metrics and CLI contributions here). */
export const synthesisModule = new ContainerModule(({ bind }) => {
  for (const task of SYNTHESIS_TASK_LIST) bind<Task>(Task).toConstantValue(task);
});
