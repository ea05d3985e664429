import type { Metrics } from '../contracts/metric';
import type { Logger } from './logger';
import type { StepInfo, TrainerCallback } from './trainer';

/** A progress bar on a TTY, plain log lines otherwise. Steps are counted from 1 ("step 1/N" is the first). */
export class ProgressReporter implements TrainerCallback {
  private lastLine = 0;
  constructor(
    private readonly log: Logger,
    private readonly logEvery: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  onStepEnd(info: StepInfo): void {
    const eta = (info.totalSteps - info.step) / Math.max(1e-6, info.stepsPerSecond);
    const extra = Object.entries(info.reports)
      .map(([k, v]) => `${k} ${v.toFixed(4)}`)
      .join(' ');
    const text = `step ${info.step}/${info.totalSteps} loss ${info.loss.toFixed(4)} ${extra ? `${extra} ` : ''}${info.stepsPerSecond.toFixed(2)} it/s ETA ${formatSeconds(eta)}`;
    if (this.stream.isTTY) {
      const width = 20;
      const filled = Math.round((width * info.step) / info.totalSteps);
      const now = Date.now();
      if (now - this.lastLine > 100 || info.step === info.totalSteps) {
        this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
        this.lastLine = now;
      }
      if (info.step === info.totalSteps) this.stream.write('\n');
    } else if (info.step % this.logEvery === 0 || info.step === info.totalSteps) {
      this.log.info(text);
    }
  }

  onEvaluate(step: number, split: 'val' | 'test', metrics: Metrics): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[K');
    const parts = Object.entries(metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
    this.log.info(`eval ${split} @ step ${step}: ${parts.join(' ')}`);
  }

  onWarning(): void {
    // Clear a half-drawn progress bar so the warning (written by the trainer's logger) starts a line.
    if (this.stream.isTTY) this.stream.write('\r\x1b[K');
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
