import { ContainerModule } from 'inversify';
import { CliContribution, Task } from '@kt/core';
import { synthesisSolveContribution } from './cli/solve-command';
import { SYNTHESIS_TASK_LIST } from './tasks/synthesis-tasks';

/** Binds the plugin's contributions: each task of SYNTHESIS_TASK_LIST as a `Task`, and `kt synthesis solve`. */
export const synthesisModule = new ContainerModule(({ bind }) => {
  for (const task of SYNTHESIS_TASK_LIST) bind<Task>(Task).toConstantValue(task);
  bind<CliContribution>(CliContribution).toConstantValue(synthesisSolveContribution);
});
