import { createMemoryLogger } from '../../src/runtime/logger';
import {
  configureProgress,
  effectiveProgressMode,
  formatProgressLine,
  formatSeconds,
  resetProgress,
  startProgress,
} from '../../src/runtime/progress';
import { ProgressReporter } from '../../src/runtime/progress-reporter';
import type { StepInfo } from '../../src/runtime/trainer';

/** A stream that keeps what is written; `isTTY` as given. */
function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  const stream = {
    isTTY,
    columns: 160,
    write: (chunk: string): boolean => {
      text += chunk;
      return true;
    },
    cursorTo: (x: number): boolean => {
      text += `\x1b[${x + 1}G`;
      return true;
    },
    clearLine: (): boolean => true,
    text: (): string => text,
  };
  return stream as unknown as NodeJS.WriteStream & { text: () => string };
}

function step(n: number, total: number, loss: number): StepInfo {
  return { step: n, totalSteps: total, epoch: 0, loss, lr: 0.01, stepsPerSecond: 5, reports: {} };
}

afterEach(() => resetProgress());

describe('progress', () => {
  it('decides auto by the stream: a bar on a terminal, lines otherwise', () => {
    expect(effectiveProgressMode({ mode: 'auto', stream: fakeStream(true), lineIntervalMs: 1 })).toBe('bar');
    expect(effectiveProgressMode({ mode: 'auto', stream: fakeStream(false), lineIntervalMs: 1 })).toBe('lines');
    expect(effectiveProgressMode({ mode: 'off', stream: fakeStream(true), lineIntervalMs: 1 })).toBe('off');
  });

  it('writes plain lines every `every` units and at the end, through the logger', () => {
    const log = createMemoryLogger();
    const task = startProgress('teacher translation', 10, { log, unit: 'sentences', every: 4, settings: { stream: fakeStream(false), lineIntervalMs: 60_000 } });
    for (let i = 1; i <= 10; i++) task.increment(1, { bleu: i / 2 });
    expect(log.lines).toHaveLength(3);
    expect(log.lines[0]).toMatch(/^teacher translation 4\/10 sentences bleu 2 [\d.]+ sentences\/s ETA /);
    expect(log.lines[1]).toMatch(/^teacher translation 8\/10 /);
    expect(log.lines[2]).toMatch(/^teacher translation 10\/10 sentences bleu 5 /);
    task.done();
    expect(log.lines).toHaveLength(3);
  });

  it('writes a line when the interval has passed even between `every` marks', () => {
    const log = createMemoryLogger();
    const task = startProgress('download', 100, { log, settings: { stream: fakeStream(false), lineIntervalMs: 0 } });
    task.update(7);
    task.update(9);
    expect(log.lines.map((l) => l.split(' ')[1])).toEqual(['7/100', '9/100']);
  });

  it('draws a live bar on a terminal, with the values, and logs above it', () => {
    const stream = fakeStream(true);
    const task = startProgress('eval val', 5, { unit: 'batches', settings: { stream } });
    task.update(2, { loss: 0.25 });
    task.log('a line above the bar');
    task.update(5, { loss: 0.125 });
    const text = stream.text();
    expect(text).toContain('eval val [');
    expect(text).toContain('2/5 batches loss 0.2500');
    expect(text).toContain('a line above the bar\n');
    expect(text).toContain('5/5 batches loss 0.1250');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('writes nothing when turned off (--quiet)', () => {
    const stream = fakeStream(true);
    const log = createMemoryLogger();
    configureProgress({ mode: 'off', stream });
    const task = startProgress('decode', 3, { log });
    task.increment();
    task.done();
    const reporter = new ProgressReporter(log, 1, stream);
    reporter.onStepEnd(step(1, 2, 0.5));
    reporter.onStepEnd(step(2, 2, 0.4));
    reporter.onEnd();
    expect(stream.text()).toBe('');
    expect(log.lines).toEqual([]);
  });

  it('ProgressReporter draws training as a bar on a terminal, starting at a resumed step', () => {
    const stream = fakeStream(true);
    const log = createMemoryLogger();
    const reporter = new ProgressReporter(log, 5, stream, 'teacher');
    reporter.onStepEnd(step(4, 8, 1.5));
    reporter.onEvaluate(4, 'val', { bleu: 12.5 });
    for (let s = 5; s <= 8; s++) reporter.onStepEnd(step(s, 8, 1 / s));
    reporter.onEnd();
    const text = stream.text();
    expect(text).toContain('teacher [');
    expect(text).toContain('4/8 loss 1.5000');
    expect(text).toContain('eval val @ step 4: bleu 12.5000\n');
    expect(text).toContain('8/8 loss 0.1250');
    expect(log.lines).toEqual([]);
  });

  it('ProgressReporter writes log lines every logEvery steps when not on a terminal', () => {
    const log = createMemoryLogger();
    const reporter = new ProgressReporter(log, 2, fakeStream(false));
    for (let s = 1; s <= 5; s++) reporter.onStepEnd(step(s, 5, 0.5));
    reporter.onEvaluate(5, 'test', { acc: 0.75 });
    expect(log.lines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['step 2/5', 'step 4/5', 'step 5/5', 'eval test']);
  });

  it('formats durations and plain lines', () => {
    expect(formatSeconds(65)).toBe('1m05s');
    expect(formatSeconds(Number.POSITIVE_INFINITY)).toBe('?');
    expect(formatProgressLine('x', 1, 4, '', { a: 1 }, 1)).toBe('x 1/4 a 1 1.00 it/s ETA 3s');
  });
});
