import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, formatZodError } from '@kt/core';
import { z } from 'zod';
import { inferType, TypeInferenceError } from '../lang/infer';
import { invented, parseProgram, ProgramSyntaxError } from '../lang/parse-program';
import { allPrimitives } from '../lang/primitives';
import type { Callable } from '../lang/program';
import { Grammar } from '../search/grammar';
import { readJsonFile } from './task-file';

/** Where a run directory keeps its learned library (grammar with invented functions and weights). */
export const LIBRARY_FILE = path.join('artifacts', 'library.json');
export const LIBRARY_FORMAT = 'kt-synthesis-library';

export const LibraryFileSchema = z.strictObject({
  format: z.literal(LIBRARY_FORMAT),
  version: z.literal(1),
  grammar: z.strictObject({
    productions: z.array(z.string().min(1)),
    unigram: z.array(z.number()),
    bigram: z.array(z.tuple([z.string(), z.array(z.number())])),
  }),
});
export type LibraryFileJson = z.infer<typeof LibraryFileSchema>;

/** Writes `grammar` as `<runDir>/artifacts/library.json` (or to `file` when it ends in .json); returns the path. */
export function saveLibrary(target: string, grammar: Grammar): string {
  const file = target.endsWith('.json') ? target : path.join(target, LIBRARY_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const json: LibraryFileJson = { format: LIBRARY_FORMAT, version: 1, grammar: grammar.toJson() as LibraryFileJson['grammar'] };
  fs.writeFileSync(file, `${JSON.stringify(json, null, 1)}\n`);
  return file;
}

/**
 * Loads a library: a run directory (its `artifacts/library.json`) or a library JSON file. Every problem is a
 * ConfigError naming the file: not JSON (line and column), a wrong shape (the field), an unknown primitive, or an
 * invented function that does not parse or type-check (the production and the subterm at fault).
 */
export function loadLibrary(target: string): Grammar {
  const file = fs.existsSync(target) && fs.statSync(target).isDirectory() ? path.join(target, LIBRARY_FILE) : target;
  if (!fs.existsSync(file)) throw new ConfigError(`--library: ${file} does not exist${file === target ? '' : ` (expected the library of a synthesis run in ${target})`}`);
  const parsed = LibraryFileSchema.safeParse(readJsonFile(file));
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error, file).replace('invalid config', 'invalid library file'));
  const prims = allPrimitives();
  const productions = parsed.data.grammar.productions.map((name, i): Callable => {
    const where = `${file}: grammar.productions[${i}]`;
    if (!name.startsWith('#')) {
      const p = prims.get(name);
      if (p === undefined) throw new ConfigError(`${where}: unknown primitive "${name}"`);
      return p;
    }
    let body;
    try {
      body = parseProgram(name.slice(1), prims);
    } catch (e) {
      if (e instanceof ProgramSyntaxError) throw new ConfigError(`${where}: ${e.message}`);
      throw e;
    }
    try {
      inferType(body);
    } catch (e) {
      if (e instanceof TypeInferenceError) throw new ConfigError(`${where}: ${name} does not type-check at ${e.where}: ${e.message}`);
      throw e;
    }
    return invented(body);
  });
  try {
    return new Grammar(productions, parsed.data.grammar.unigram, new Map(parsed.data.grammar.bigram));
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
}
