import * as fs from 'fs';
import * as zlib from 'zlib';
import { ConfigError } from '@kt/core';

/** `file, line N: message` — where a bad value is, so a user can jump to it. */
export function at(file: string, line?: number): string {
  return line === undefined ? `${file}: ` : `${file}, line ${line}: `;
}

/** Non-empty lines of a text file (plain or .gz) with their 1-based line numbers; a missing or empty file is a ConfigError. */
export function readDataLines(file: string): Array<{ line: number; text: string }> {
  if (!fs.existsSync(file)) throw new ConfigError(`${file}: file not found`);
  const raw = fs.readFileSync(file);
  const text = (file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8').replace(/^\uFEFF/, '');
  const out: Array<{ line: number; text: string }> = [];
  text.split('\n').forEach((l, i) => {
    const s = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (s.trim() !== '') out.push({ line: i + 1, text: s });
  });
  if (out.length === 0) throw new ConfigError(`${file}: the file is empty`);
  return out;
}

/** Splits a TSV line into exactly `n` fields, or throws a ConfigError naming file and line. */
export function tsvFields(file: string, line: number, text: string, n: number): string[] {
  const fields = text.split('\t');
  if (fields.length !== n || fields.some((f) => f.trim() === '')) {
    throw new ConfigError(`${at(file, line)}expected ${n} tab-separated non-empty fields, got ${fields.length}: "${text.slice(0, 80)}"`);
  }
  return fields.map((f) => f.trim());
}

/** A non-negative integer id (DBP-5L writes some as `12.0`), or a ConfigError naming file and line. */
export function parseId(file: string, line: number, value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || !/^\d+(\.0*)?$/.test(value)) throw new ConfigError(`${at(file, line)}${what} "${value}" is not a non-negative integer id`);
  return n;
}
