import { ContainerModule } from 'inversify';
import { CliContribution, ReportContribution, Task } from '@kt/core';
import { synthesisSolveContribution } from './cli/solve-command';
import { synthesisReportContribution } from './report/synthesis-report-contribution';
import { SYNTHESIS_TASK_LIST } from './tasks/synthesis-tasks';

/** Binds the plugin's contributions: each task of SYNTHESIS_TASK_LIST as a `Task`, `kt synthesis solve`, and its `kt report` sections. */
export const synthesisModule = new ContainerModule(({ bind }) => {
  for (const task of SYNTHESIS_TASK_LIST) bind<Task>(Task).toConstantValue(task);
  bind<CliContribution>(CliContribution).toConstantValue(synthesisSolveContribution);
  bind<ReportContribution>(ReportContribution).toConstantValue(synthesisReportContribution);
});
