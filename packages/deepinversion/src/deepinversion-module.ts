import { CliContribution, Task } from '@kt/core';
import { ContainerModule } from 'inversify';
import { deepInversionSynthesizeContribution } from './cli/synthesize-command';
import { DEEPINVERSION_TASK_LIST } from './tasks/deepinversion-tasks';

/** Binds the deepinversion tasks and `kt deepinversion synthesize` into kt's container. */
export const deepInversionModule = new ContainerModule(({ bind }) => {
  for (const task of DEEPINVERSION_TASK_LIST) bind<Task>(Task).toConstantValue(task);
  bind<CliContribution>(CliContribution).toConstantValue(deepInversionSynthesizeContribution);
});
