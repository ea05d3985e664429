/** Where kt writes human-readable lines. Progress and logs go to stderr; results to stdout. */
export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  debug(line: string): void;
}

export function createConsoleLogger(options: { debug?: boolean; quiet?: boolean } = {}): Logger {
  return {
    info: (line) => {
      if (!options.quiet) process.stderr.write(`${line}\n`);
    },
    warn: (line) => process.stderr.write(`warning: ${line}\n`),
    debug: (line) => {
      if (options.debug) process.stderr.write(`debug: ${line}\n`);
    },
  };
}

/** A logger that keeps lines in memory (tests, library use). */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (line) => lines.push(line),
    warn: (line) => lines.push(`warning: ${line}`),
    debug: () => undefined,
  };
}
