import { CliContribution, ReportContribution, Task } from '@kt/core';
import { ContainerModule } from 'inversify';
import { deepInversionSynthesizeContribution } from './cli/synthesize-command';
import { deepInversionReportContribution } from './report/deepinversion-report-contribution';
import { DEEPINVERSION_TASK_LIST } from './tasks/deepinversion-tasks';

/** Binds the deepinversion tasks, `kt deepinversion synthesize` and the `kt report` sections into kt's container. */
export const deepInversionModule = new ContainerModule(({ bind }) => {
  for (const task of DEEPINVERSION_TASK_LIST) bind<Task>(Task).toConstantValue(task);
  bind<CliContribution>(CliContribution).toConstantValue(deepInversionSynthesizeContribution);
  bind<ReportContribution>(ReportContribution).toConstantValue(deepInversionReportContribution);
});
