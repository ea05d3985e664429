import type { Container } from 'inversify';
import type { BaseExperimentConfig } from '../config/experiment-schema';
import type { ConfigIssue, Task } from '../contracts/task';
import { ConfigError } from './errors';
import { TaskRegistry } from './plugin-registry';

/** The checks every task gets: `train.earlyStopping.metric` must be a metric the task reports. */
export function commonTaskIssues(task: Task, config: BaseExperimentConfig): ConfigIssue[] {
  const es = config.train.earlyStopping;
  // A plain-JS plugin may not declare its metrics; then the trainer reports an unknown metric at the first evaluation.
  if (es && Array.isArray(task.metrics) && !task.metrics.includes(es.metric)) {
    return [
      {
        path: 'train.earlyStopping.metric',
        message: `task ${task.plugin}.${task.name} does not report "${es.metric}"; it reports: ${task.metrics.join(', ') || '(nothing)'}`,
      },
    ];
  }
  return [];
}

/**
 * Everything `kt run` would reject before training, found without training: the common checks and the
 * task's own `validate` hook (files that must exist, settings the task cannot honour).
 */
export function experimentIssues(task: Task, config: BaseExperimentConfig): ConfigIssue[] {
  return [...commonTaskIssues(task, config), ...(task.validate?.(config) ?? [])];
}

/** Throws one ConfigError listing every issue as `- path: message` (the format of schema errors). */
export function assertNoIssues(issues: readonly ConfigIssue[], source?: string): void {
  if (issues.length === 0) return;
  const lines = issues.map((i) => `  - ${i.path}: ${i.message}`);
  throw new ConfigError(`${source ? `${source}: ` : ''}invalid config\n${lines.join('\n')}`);
}

/** Looks up the config's task and runs {@link experimentIssues}; throws ConfigError when any is found. */
export function validateExperiment(config: BaseExperimentConfig, container: Container, source?: string): void {
  const task = new TaskRegistry(container).get(config.plugin, config.task);
  assertNoIssues(experimentIssues(task, config), source);
}
