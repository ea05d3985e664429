/**
 * The one error type of the MT data, tokeniser and metric code: bad corpus files, mismatched line counts,
 * failed downloads, invalid options. Messages name the file (and line) when there is one.
 */
export class MtDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MtDataError';
  }
}
