import { CliContribution, ReportContribution, Task } from '@kt/core';
import { ContainerModule } from 'inversify';
import { kgPredictContribution } from './cli/predict-command';
import { kgReportContribution } from './report/kg-report-contribution';
import { KG_TASK_LIST } from './tasks/kg-tasks';

/** Binds the kg tasks, the `kt kg predict` command and kg's `kt report` sections into kt's container. */
export const kgModule = new ContainerModule(({ bind }) => {
  for (const task of KG_TASK_LIST) bind<Task>(Task).toConstantValue(task);
  bind<CliContribution>(CliContribution).toConstantValue(kgPredictContribution);
  bind<ReportContribution>(ReportContribution).toConstantValue(kgReportContribution);
});
