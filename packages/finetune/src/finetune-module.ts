import { ContainerModule } from 'inversify';
import { Task } from '@kt/core';
import { FINETUNE_TASK_LIST } from './tasks/finetune-tasks';

/** Binds the plugin's contributions: each task of FINETUNE_TASK_LIST as a `Task` (add metrics and CLI contributions here). */
export const finetuneModule = new ContainerModule(({ bind }) => {
  for (const task of FINETUNE_TASK_LIST) bind<Task>(Task).toConstantValue(task);
});
