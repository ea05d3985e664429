import { ReportContribution, Task } from '@kt/core';
import { ContainerModule } from 'inversify';
import { classifyReportContribution } from './report/classify-report-contribution';
import { CLASSIFY_TASK_LIST } from './tasks/classify-tasks';

/** Binds the classification tasks into kt's container. */
export const classifyModule = new ContainerModule(({ bind }) => {
  for (const task of CLASSIFY_TASK_LIST) bind<Task>(Task).toConstantValue(task);
  bind<ReportContribution>(ReportContribution).toConstantValue(classifyReportContribution);
});
