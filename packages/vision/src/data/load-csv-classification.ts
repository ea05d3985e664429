import * as fs from 'fs';
import * as zlib from 'zlib';
import { ClassificationSplit, exampleSize } from './classification-split';
import { DataError } from './data-error';

export interface LoadCsvClassificationOptions {
  /** Which column holds the integer class label: 'last' (default), 'first', or a 0-based index (negative counts from the end). */
  labelColumn?: 'last' | 'first' | number;
  /** true: skip the first non-blank line; false: every line is data; 'auto' (default): the first line is a header iff some field is not a number. */
  hasHeader?: boolean | 'auto';
  /** Every feature is multiplied by this (e.g. 1/16 for the 8x8 digits); default 1. */
  scale?: number;
  /** Per-example shape; its product must equal the number of feature columns. Default [numFeatures]. */
  shape?: number[];
  /** Number of classes; default max label + 1. Labels must lie in [0, numClasses). */
  numClasses?: number;
}

/**
 * Reads a comma-separated file (plain or gzip, detected by the 0x1f 0x8b magic bytes, not the file name)
 * of numeric features plus one non-negative integer label per row. Blank lines are skipped; `\r\n` is accepted.
 * Every problem throws a DataError naming the file, the 1-based line and, where it applies, the 1-based column.
 */
export function loadCsvClassification(file: string, options: LoadCsvClassificationOptions = {}): ClassificationSplit {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new DataError(`cannot read file (${(e as Error).message})`, { file });
  }
  let text: string;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      text = zlib.gunzipSync(bytes).toString('utf8');
    } catch (e) {
      throw new DataError(`corrupt gzip data (${(e as Error).message})`, { file });
    }
  } else {
    text = bytes.toString('utf8');
  }
  return parseCsvClassification(text, file, options);
}

/** The parser behind loadCsvClassification, on text already in memory; `file` is only used in error messages. */
export function parseCsvClassification(
  text: string,
  file: string,
  options: LoadCsvClassificationOptions = {},
): ClassificationSplit {
  const { labelColumn = 'last', hasHeader = 'auto', scale = 1 } = options;
  if (!Number.isFinite(scale)) throw new DataError(`scale must be finite, got ${scale}`, { file });
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const rows: Array<{ line: number; fields: string[] }> = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (raw.trim() === '') continue;
    rows.push({ line: i + 1, fields: raw.split(',') });
  }
  if (rows.length === 0) throw new DataError('empty file: no data rows', { file });

  const first = rows[0];
  const skipHeader = hasHeader === 'auto' ? first.fields.some((f) => !isNumber(f)) : hasHeader;
  const data = skipHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw new DataError('no data rows after the header', { file, line: first.line });

  const columns = data[0].fields.length;
  if (columns < 2) {
    throw new DataError(`need at least 2 columns (features and a label), got ${columns}`, { file, line: data[0].line });
  }
  if (skipHeader && first.fields.length !== columns) {
    throw new DataError(`header has ${first.fields.length} columns but the first data row has ${columns}`, {
      file,
      line: data[0].line,
    });
  }
  const label = resolveLabelColumn(labelColumn, columns, file);
  const numFeatures = columns - 1;
  const shape = options.shape ?? [numFeatures];
  if (shape.some((s) => !Number.isInteger(s) || s < 1) || exampleSize(shape) !== numFeatures) {
    throw new DataError(`shape [${shape.join(', ')}] does not hold the ${numFeatures} feature columns`, { file });
  }

  const n = data.length;
  const x = new Float32Array(n * numFeatures);
  const y = new Int32Array(n);
  let maxLabel = -1;
  for (let r = 0; r < n; r++) {
    const { line, fields } = data[r];
    if (fields.length !== columns) {
      throw new DataError(`inconsistent column count: expected ${columns}, got ${fields.length}`, { file, line });
    }
    let k = r * numFeatures;
    for (let c = 0; c < columns; c++) {
      const field = fields[c].trim();
      if (field === '') throw new DataError('empty value', { file, line, column: c + 1 });
      const value = Number(field);
      if (!Number.isFinite(value)) throw new DataError(`non-numeric value '${field}'`, { file, line, column: c + 1 });
      if (c === label) {
        if (!Number.isInteger(value) || value < 0) {
          throw new DataError(`label must be a non-negative integer, got '${field}'`, { file, line, column: c + 1 });
        }
        if (options.numClasses !== undefined && value >= options.numClasses) {
          throw new DataError(`label ${value} is not below numClasses ${options.numClasses}`, { file, line, column: c + 1 });
        }
        y[r] = value;
        if (value > maxLabel) maxLabel = value;
      } else {
        x[k++] = value * scale;
      }
    }
  }
  return { x, y, n, shape: [...shape], numClasses: options.numClasses ?? maxLabel + 1 };
}

function isNumber(field: string): boolean {
  const t = field.trim();
  return t !== '' && Number.isFinite(Number(t));
}

function resolveLabelColumn(labelColumn: 'last' | 'first' | number, columns: number, file: string): number {
  if (labelColumn === 'last') return columns - 1;
  if (labelColumn === 'first') return 0;
  const index = labelColumn < 0 ? columns + labelColumn : labelColumn;
  if (!Number.isInteger(labelColumn) || index < 0 || index >= columns) {
    throw new DataError(`labelColumn ${labelColumn} is outside the ${columns} columns`, { file });
  }
  return index;
}
