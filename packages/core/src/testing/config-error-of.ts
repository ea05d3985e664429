import { ConfigError } from '../runtime/errors';

function messageOf(err: unknown): string {
  if (!(err instanceof ConfigError)) {
    throw new Error(`expected a ConfigError (exit code 2), got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
  if (err.exitCode !== 2) throw new Error(`expected a ConfigError with exit code 2, got exit code ${err.exitCode}: ${err.message}`);
  return err.message;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/**
 * The message of the ConfigError (exit code 2) that `fn` throws — or, when `fn` returns a promise, that the promise
 * rejects with. Anything else (no error, another error) fails the test with an error saying what came instead.
 */
export function configErrorOf(fn: () => PromiseLike<unknown>): Promise<string>;
export function configErrorOf(fn: () => unknown): string;
export function configErrorOf(fn: () => unknown): string | Promise<string> {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    return messageOf(err);
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then(
      () => {
        throw new Error('expected a ConfigError, but the promise resolved');
      },
      (err: unknown) => messageOf(err),
    );
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}
