/**
 * Lets a run stop cleanly on the first SIGINT/SIGTERM and aborts on the second: pass `shouldStop` to
 * runExperiment (the CLI's run, sweep and worker commands do; so do scripts that drive runs, e.g. tools/bench).
 */
export interface StopController {
  shouldStop(): boolean;
  /** The signal that asked to stop, if any. */
  readonly signal: NodeJS.Signals | undefined;
  dispose(): void;
}

/** What a signal's exit code is: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

export interface SignalTarget {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): never | void;
}

/**
 * First SIGINT/SIGTERM: sets the stop flag (the trainer checkpoints after the current step and the
 * run ends `interrupted`). Second: exits at once with 130 (143 for SIGTERM).
 */
export function installStopHandlers(write: (text: string) => void, target: SignalTarget = process): StopController {
  let signal: NodeJS.Signals | undefined;
  const listener = (received: NodeJS.Signals): void => {
    if (signal === undefined) {
      signal = received;
      write(`\n${received}: stopping after this step, checkpointing; press Ctrl-C again to abort\n`);
      return;
    }
    write(`\n${received} again: aborting without a checkpoint\n`);
    target.exit(signalExitCode(received));
  };
  target.on('SIGINT', listener);
  target.on('SIGTERM', listener);
  return {
    shouldStop: () => signal !== undefined,
    get signal() {
      return signal;
    },
    dispose: () => {
      target.off('SIGINT', listener);
      target.off('SIGTERM', listener);
    },
  };
}
