import * as fs from 'fs';
import * as path from 'path';
import type { Metrics } from '../contracts/metric';
import { writeFileAtomic } from './atomic';
import type { Logger } from './logger';
import type { StepInfo, TrainerCallback } from './trainer';

/** What `truncateAfter` did to metrics.jsonl. */
export interface MetricsTruncation {
  /** Readable lines past the checkpoint's step, dropped (the resumed run writes them again). */
  dropped: number;
  /** 1-based line numbers of unreadable lines, moved to metrics.jsonl.corrupt. */
  corruptLines: number[];
}

function stepOf(line: string): number | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const step = (value as { step?: unknown }).step;
    return typeof step === 'number' && Number.isFinite(step) ? step : undefined;
  } catch {
    return undefined;
  }
}

function listLines(numbers: number[], max = 10): string {
  const shown = numbers.slice(0, max).join(', ');
  return numbers.length > max ? `${shown}, … (${numbers.length - max} more)` : shown;
}

/**
 * Appends one JSON object per line to `<dir>/metrics.jsonl`: train lines every `logEvery` steps,
 * evaluation lines, and `split: "event"` lines for warnings the trainer raises.
 */
export class MetricsWriter implements TrainerCallback {
  readonly file: string;
  constructor(
    dir: string,
    private readonly logEvery: number,
    private readonly log?: Logger,
  ) {
    this.file = path.join(dir, 'metrics.jsonl');
  }

  /**
   * On resume: keeps the lines up to the checkpoint's `step` and drops later ones. A line that is
   * not a JSON object with a numeric `step` (a torn write, an edit) is not dropped silently: it is
   * appended, as it was, to `metrics.jsonl.corrupt` and a warning gives the count and line numbers.
   */
  truncateAfter(step: number): MetricsTruncation {
    const result: MetricsTruncation = { dropped: 0, corruptLines: [] };
    if (!fs.existsSync(this.file)) return result;
    const kept: string[] = [];
    const corrupt: string[] = [];
    fs.readFileSync(this.file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!line.trim()) return;
        const s = stepOf(line);
        if (s === undefined) {
          corrupt.push(line);
          result.corruptLines.push(i + 1);
        } else if (s <= step) {
          kept.push(line);
        } else {
          result.dropped += 1;
        }
      });
    if (corrupt.length > 0) {
      // Saved before metrics.jsonl is rewritten: a crash in between duplicates, never loses, them.
      fs.appendFileSync(`${this.file}.corrupt`, corrupt.map((l) => `${l}\n`).join(''));
      this.log?.warn(
        `${this.file}: ${corrupt.length} unreadable line${corrupt.length === 1 ? '' : 's'} (line${corrupt.length === 1 ? '' : 's'} ${listLines(result.corruptLines)}) moved to ${path.basename(this.file)}.corrupt`,
      );
    }
    writeFileAtomic(this.file, kept.map((l) => `${l}\n`).join(''));
    return result;
  }

  private append(obj: Record<string, unknown>): void {
    fs.appendFileSync(this.file, `${JSON.stringify(obj)}\n`);
  }

  onStepEnd(info: StepInfo): void {
    if (info.step % this.logEvery === 0 || info.step === info.totalSteps) {
      this.append({ step: info.step, split: 'train', loss: info.loss, lr: info.lr, epoch: info.epoch, ...info.reports });
    }
  }

  onEvaluate(step: number, split: 'val' | 'test', metrics: Metrics): void {
    this.append({ step, split, ...metrics });
  }

  onWarning(step: number, kind: string, message: string): void {
    this.append({ step, split: 'event', event: kind, message });
  }
}
