import { CliContribution, ReportContribution, Task } from '@kt/core';
import { ContainerModule } from 'inversify';
import { mtScoreContribution } from './cli/score-command';
import { mtTranslateContribution } from './cli/translate-command';
import { mtReportContribution } from './report/mt-report-contribution';
import { MT_TASK_LIST } from './tasks/mt-tasks';

/** Binds the mt tasks and the `kt mt score` / `kt mt translate` commands into kt's container. */
export const mtModule = new ContainerModule(({ bind }) => {
  for (const task of MT_TASK_LIST) bind<Task>(Task).toConstantValue(task);
  bind<CliContribution>(CliContribution).toConstantValue(mtScoreContribution);
  bind<CliContribution>(CliContribution).toConstantValue(mtTranslateContribution);
  bind<ReportContribution>(ReportContribution).toConstantValue(mtReportContribution);
});
