import type { Logger } from '@kt/core';

/** Where commands write: results to `out` (stdout), logs and errors to `err` (stderr). Text is written as given. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => {
    process.stdout.write(text);
  },
  err: (text) => {
    process.stderr.write(text);
  },
};

/** An io that keeps what is written (tests). */
export function createMemoryIo(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/** Appends a newline unless the text ends with one. */
export function line(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** A kt Logger writing to `io.err`: info unless quiet, warnings always, debug only when asked. */
export function createIoLogger(io: CliIo, options: { debug?: boolean; quiet?: boolean } = {}): Logger {
  return {
    info: (text) => {
      if (!options.quiet) io.err(line(text));
    },
    warn: (text) => io.err(line(`warning: ${text}`)),
    debug: (text) => {
      if (options.debug) io.err(line(`debug: ${text}`));
    },
  };
}
