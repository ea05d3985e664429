import { ConfigError } from '@kt/core';

/**
 * The one error type of the MT data, tokeniser and metric code: bad corpus files, mismatched line counts,
 * failed downloads, invalid options. Messages name the file (and line) when there is one. It is a core
 * `ConfigError`, so the CLI prints the message alone and exits with code 2.
 */
export class MtDataError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'MtDataError';
  }
}
