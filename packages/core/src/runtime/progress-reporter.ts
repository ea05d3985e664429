import type { Metrics } from '../contracts/metric';
import type { Logger } from './logger';
import { formatProgressValues, startProgress, type ProgressTask } from './progress';
import type { StepInfo, TrainerCallback } from './trainer';

/**
 * Training progress: a live bar (steps, loss, steps/s, ETA) on a terminal, a plain log line every
 * `logEvery` steps and every few seconds otherwise, through {@link startProgress} (so `--quiet`,
 * which turns progress off, silences both). Steps are counted from 1 ("step 1/N" is the first).
 */
export class ProgressReporter implements TrainerCallback {
  private task?: ProgressTask;
  constructor(
    private readonly log: Logger,
    private readonly logEvery: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** Shown before the counts, e.g. the run's name (a provisioned teacher's bar says so). */
    private readonly label = 'step',
  ) {}

  onStepEnd(info: StepInfo): void {
    // Started at the first step seen, so a resumed run's bar starts where its checkpoint left off.
    this.task ??= startProgress(this.label, info.totalSteps, { log: this.log, every: this.logEvery, settings: { stream: this.stream } }, info.step - 1);
    this.task.update(info.step, { loss: info.loss, ...info.reports });
  }

  onEvaluate(step: number, split: 'val' | 'test', metrics: Metrics): void {
    const line = `eval ${split} @ step ${step}: ${formatProgressValues(metrics)}`;
    if (this.task && this.stream.isTTY) this.task.log(line);
    else this.log.info(line);
  }

  onWarning(): void {
    // Clear a half-drawn progress bar so the warning (written by the trainer's logger) starts a line.
    if (this.stream.isTTY) this.stream.write('\r\x1b[K');
  }

  onEnd(): void {
    this.task?.done();
  }
}
