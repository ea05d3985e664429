import { SingleBar } from 'cli-progress';
import type { Logger } from './logger';

/**
 * How long work shows progress: `bar` a live bar (cli-progress) redrawn in place, `lines` a plain
 * log line now and then (CI, files), `off` nothing (`--quiet`), `auto` a bar when the stream is a
 * terminal and lines otherwise.
 */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'off';

export interface ProgressSettings {
  mode: ProgressMode;
  /** Where bars are drawn (default process.stderr). */
  stream: NodeJS.WriteStream;
  /** In `lines` mode, at most one line per this many milliseconds (plus the last one). */
  lineIntervalMs: number;
}

const DEFAULTS: ProgressSettings = { mode: 'auto', stream: process.stderr, lineIntervalMs: 10_000 };
let settings: ProgressSettings = { ...DEFAULTS };

/** Set once by the composition root (the CLI: `--quiet` is `mode: 'off'`); later calls merge. */
export function configureProgress(next: Partial<ProgressSettings>): ProgressSettings {
  settings = { ...settings, ...next };
  return { ...settings };
}

/** Back to the defaults (tests). */
export function resetProgress(): void {
  settings = { ...DEFAULTS };
}

/** The mode in force once `auto` is decided by the stream. */
export function effectiveProgressMode(s: ProgressSettings = settings): Exclude<ProgressMode, 'auto'> {
  if (s.mode !== 'auto') return s.mode;
  return s.stream.isTTY ? 'bar' : 'lines';
}

/** Values shown after the counts: `loss 0.1234`, `BLEU 12.3`, `kB 120`. */
export type ProgressValues = Record<string, number | string>;

/** One piece of long work: a bar on a TTY, periodic plain lines otherwise, nothing when off. */
export interface ProgressTask {
  /** Sets the number of units done (and optionally the values shown). */
  update(done: number, values?: ProgressValues): void;
  /** Adds `by` (default 1) units. */
  increment(by?: number, values?: ProgressValues): void;
  /** Writes a line above the bar (the bar is cleared and redrawn). */
  log(line: string): void;
  /** Ends the task (a bar is completed and left on its own line; lines mode writes a last line). */
  done(values?: ProgressValues): void;
}

export interface StartProgressOptions {
  /** Lines mode writes through this logger (default: straight to the stream). */
  log?: Logger;
  /** Unit of the counts, e.g. `steps`, `sentences`, `bytes`. */
  unit?: string;
  /** Overrides the settings (tests, a caller that knows better). */
  settings?: Partial<ProgressSettings>;
  /** Lines mode also writes a line every `every` units (e.g. a run's logEvery). */
  every?: number;
}

/** `1m05s`, `42s`, `?` for an unknown time. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

function formatValue(v: number | string): string {
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}

/** `loss 0.1234 bleu 12.5000` */
export function formatProgressValues(values: ProgressValues): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${formatValue(v)}`)
    .join(' ');
}

/** The plain line of a task: `label 30/100 steps loss 0.5 3.20 steps/s ETA 22s`. */
export function formatProgressLine(label: string, done: number, total: number, unit: string, values: ProgressValues, rate: number): string {
  const extra = formatProgressValues(values);
  const eta = rate > 0 ? formatSeconds((total - done) / rate) : '?';
  return `${label} ${done}/${total}${unit ? ` ${unit}` : ''}${extra ? ` ${extra}` : ''} ${rate.toFixed(2)} ${unit || 'it'}/s ETA ${eta}`;
}

const NOOP_TASK: ProgressTask = { update: () => undefined, increment: () => undefined, log: () => undefined, done: () => undefined };

class ProgressState {
  done = 0;
  values: ProgressValues = {};
  private readonly t0 = Date.now();
  constructor(readonly startAt: number) {
    this.done = startAt;
  }
  rate(): number {
    const seconds = (Date.now() - this.t0) / 1000;
    return seconds > 0 ? (this.done - this.startAt) / seconds : 0;
  }
}

class LinesTask implements ProgressTask {
  private readonly state: ProgressState;
  private lastLine = Date.now();
  private finished = false;
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit: string,
    private readonly write: (line: string) => void,
    private readonly intervalMs: number,
    private readonly every: number | undefined,
    startAt: number,
  ) {
    this.state = new ProgressState(startAt);
  }
  update(done: number, values?: ProgressValues): void {
    const previous = this.state.done;
    this.state.done = done;
    if (values) this.state.values = { ...this.state.values, ...values };
    const now = Date.now();
    const crossed = this.every !== undefined && this.every > 0 && Math.floor(done / this.every) > Math.floor(previous / this.every);
    if (done >= this.total) this.done();
    else if (crossed || now - this.lastLine >= this.intervalMs) this.emit(now);
  }
  increment(by = 1, values?: ProgressValues): void {
    this.update(this.state.done + by, values);
  }
  log(line: string): void {
    this.write(line);
  }
  done(values?: ProgressValues): void {
    if (this.finished) return;
    this.finished = true;
    if (values) this.state.values = { ...this.state.values, ...values };
    this.emit(Date.now());
  }
  private emit(now: number): void {
    this.lastLine = now;
    this.write(formatProgressLine(this.label, this.state.done, this.total, this.unit, this.state.values, this.state.rate()));
  }
}

class BarTask implements ProgressTask {
  private readonly bar: SingleBar;
  private readonly state: ProgressState;
  private finished = false;
  constructor(
    label: string,
    private readonly total: number,
    private readonly unit: string,
    private readonly stream: NodeJS.WriteStream,
    startAt: number,
  ) {
    this.state = new ProgressState(startAt);
    this.bar = new SingleBar({
      stream: stream,
      format: `${label} [{bar}] {value}/{total}${unit ? ` ${unit}` : ''} {extra} {rate} ETA {eta_formatted}`,
      barsize: 24,
      hideCursor: true,
      etaBuffer: 50,
      fps: 10,
      // Redraws even when the stream says it is no terminal (tests draw into a fake TTY).
      noTTYOutput: true,
      notTTYSchedule: 100,
    });
    this.bar.start(total, startAt, this.payload());
  }
  private payload(): Record<string, string> {
    return { extra: formatProgressValues(this.state.values), rate: `${this.state.rate().toFixed(2)} ${this.unit || 'it'}/s` };
  }
  update(done: number, values?: ProgressValues): void {
    if (this.finished) return;
    this.state.done = done;
    if (values) this.state.values = { ...this.state.values, ...values };
    this.bar.update(Math.min(done, this.total), this.payload());
    if (done >= this.total) this.done();
  }
  increment(by = 1, values?: ProgressValues): void {
    this.update(this.state.done + by, values);
  }
  log(line: string): void {
    // Clear the bar's line, write the line, and let the bar draw itself again below it.
    this.stream.write(`\r\x1b[K${line.endsWith('\n') ? line : `${line}\n`}`);
    if (!this.finished) this.bar.render();
  }
  done(values?: ProgressValues): void {
    if (this.finished) return;
    this.finished = true;
    if (values) this.state.values = { ...this.state.values, ...values };
    this.bar.update(Math.min(this.state.done, this.total), this.payload());
    this.bar.stop();
  }
}

/**
 * Starts showing progress of `total` units of work called `label` (e.g. `teacher translation`,
 * `download multi30k`, `eval val`), as the settings say: a cli-progress bar on a terminal,
 * a plain line every `lineIntervalMs` (and at the end) otherwise, nothing when off. `startAt`
 * is the units already done (a resumed run).
 */
export function startProgress(label: string, total: number, options: StartProgressOptions = {}, startAt = 0): ProgressTask {
  const s: ProgressSettings = { ...settings, ...options.settings };
  const mode = effectiveProgressMode(s);
  if (mode === 'off' || !(total > 0)) return NOOP_TASK;
  const unit = options.unit ?? '';
  if (mode === 'bar') return new BarTask(label, total, unit, s.stream, startAt);
  const log = options.log;
  const write = log ? (l: string): void => log.info(l) : (l: string): void => void s.stream.write(`${l}\n`);
  return new LinesTask(label, total, unit, write, s.lineIntervalMs, options.every, startAt);
}
