import { CliContribution, Task } from '@kt/core';
import { ContainerModule } from 'inversify';
import { kgPredictContribution } from './cli/predict-command';
import { KG_TASK_LIST } from './tasks/kg-tasks';

/** Binds the kg tasks and the `kt kg predict` command into kt's container. */
export const kgModule = new ContainerModule(({ bind }) => {
  for (const task of KG_TASK_LIST) bind<Task>(Task).toConstantValue(task);
  bind<CliContribution>(CliContribution).toConstantValue(kgPredictContribution);
});
