import { CommanderError } from 'commander';
import { ZodError } from 'zod';
import { KtError } from '@kt/core';

export interface HandledError {
  /** What to print on stderr ('' when commander already printed it). */
  text: string;
  exitCode: number;
}

/** Exit codes: 0 success, 1 the run failed, 2 usage or config error, 130/143 interrupted by SIGINT/SIGTERM. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** `- path.to.field: message` per issue. */
export function formatZodIssues(error: ZodError): string {
  return error.issues
    .map((issue) => `  - ${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('\n');
}

/** A KtError, also one thrown by a plugin that bundles its own copy of @kt/core. */
function isKtError(err: unknown): err is KtError {
  if (err instanceof KtError) return true;
  const code = (err as { exitCode?: unknown } | undefined)?.exitCode;
  return err instanceof Error && (code === 1 || code === 2);
}

function stackOf(err: unknown): string {
  return err instanceof Error && err.stack ? `${err.stack}\n` : '';
}

/**
 * The CLI's one error handler. Commander usage errors (already printed by commander) exit 2, or 0
 * for --help/--version; a ZodError (bad options) lists its fields and exits 2; a KtError prints its
 * message and exits with its code; anything else prints `error: <message>` and exits 1. The stack
 * trace is added only with `debug`.
 */
export function handleError(err: unknown, debug: boolean): HandledError {
  if (err instanceof CommanderError) {
    return { text: '', exitCode: err.exitCode === 0 ? EXIT_OK : EXIT_USAGE };
  }
  const stack = debug ? stackOf(err) : '';
  if (err instanceof ZodError) {
    return { text: `error: invalid options\n${formatZodIssues(err)}\n${stack}`, exitCode: EXIT_USAGE };
  }
  if (isKtError(err)) {
    return { text: `error: ${err.message}\n${stack}`, exitCode: err.exitCode };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { text: `error: ${message}\n${stack}`, exitCode: EXIT_FAILED };
}
