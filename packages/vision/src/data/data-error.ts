/** Where in a data file a problem was found (1-based line and column). */
export interface DataErrorLocation {
  file?: string;
  line?: number;
  column?: number;
}

/**
 * A data set could not be read: the message starts with `file:line:column:` (as far as known)
 * so a user can jump to the offending value.
 */
export class DataError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(message: string, location: DataErrorLocation = {}) {
    super(`${formatLocation(location)}${message}`);
    this.name = 'DataError';
    this.file = location.file;
    this.line = location.line;
    this.column = location.column;
  }
}

function formatLocation({ file, line, column }: DataErrorLocation): string {
  const parts: string[] = [];
  if (file !== undefined) parts.push(file);
  if (line !== undefined) parts.push(`line ${line}`);
  if (column !== undefined) parts.push(`column ${column}`);
  return parts.length > 0 ? `${parts.join(', ')}: ` : '';
}
