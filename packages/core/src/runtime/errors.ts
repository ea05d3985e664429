/**
 * Errors a user can act on. The CLI prints `message` alone (no stack unless --debug) and exits
 * with `exitCode`: 2 for usage/config errors, 1 for a run that failed.
 */
export class KtError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad config, flags or input files: exit code 2. */
export class ConfigError extends KtError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A training run that cannot go on (non-finite loss, corrupted state): exit code 1. */
export class RunError extends KtError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** A checkpoint that is missing, corrupted, or belongs to another experiment: exit code 2. */
export class CheckpointError extends KtError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** The loss of step number `step` (counted from 1, as progress and metrics count) is NaN or infinite. */
export class NonFiniteLossError extends RunError {
  constructor(
    readonly step: number,
    value: number,
  ) {
    super(`loss is ${value} at step ${step}; stopping (the last good checkpoint is kept)`);
  }
}

/**
 * Work stopped by SIGINT/SIGTERM before the run's own training began (e.g. while its teacher trained):
 * the run ends as `interrupted` (exit 130/143) and `--resume` continues where it stopped.
 */
export class RunInterruptedError extends KtError {
  constructor(message: string) {
    super(message, 1);
  }
}
