import { Task } from '@kt/core';
import { ContainerModule } from 'inversify';
import { classifyKdTask, classifyTrainTask } from './tasks/classify-tasks';

/** Binds the classification tasks into kt's container. */
export const classifyModule = new ContainerModule(({ bind }) => {
  bind<Task>(Task).toConstantValue(classifyKdTask);
  bind<Task>(Task).toConstantValue(classifyTrainTask);
});
