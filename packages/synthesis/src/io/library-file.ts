import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, formatZodError, writeFileAtomic } from '@kt/core';
import { z } from 'zod';
import { inferType, TypeInferenceError } from '../lang/infer';
import { invented, parseProgram, ProgramSyntaxError } from '../lang/parse-program';
import { allPrimitives } from '../lang/primitives';
import type { Callable } from '../lang/program';
import { ibmLanguageModelFromJson, type IbmLanguageModel, type IbmLanguageModelJson } from '../language/ibm-language-model';
import { Grammar } from '../search/grammar';
import { readJsonFile } from './task-file';

/** Where a run directory keeps its learned library (grammar with invented functions and weights). */
export const LIBRARY_FILE = path.join('artifacts', 'library.json');
export const LIBRARY_FORMAT = 'kt-synthesis-library';

const probability = z.number().min(0).max(1);

/** One IBM Model 1 table (`IbmModel1.toJson`). */
const Model1FileSchema = z.strictObject({
  format: z.literal('kt-ibm-model1'),
  unknownMass: z.number().gt(0).lt(1),
  targetVocabulary: z.array(z.string()),
  table: z.array(z.tuple([z.string(), z.array(z.tuple([z.string(), probability]))])),
});

/** The LAPS language model of a library (`IbmLanguageModel.toJson`): the words↔primitives tables and the prior's settings. */
export const LanguageModelFileSchema = z.strictObject({
  kind: z.literal('ibm-model1'),
  prior: z.strictObject({ weight: z.number().optional(), uniformMix: probability.optional() }),
  strength: z.number().min(0),
  wordsGivenTokens: Model1FileSchema,
  tokensGivenWords: Model1FileSchema,
});

/**
 * A library file. Version 2 added `language` (written by the LAPS conditions' runs); version 1 files, which have
 * none, are read as they are.
 */
export const LibraryFileSchema = z.strictObject({
  format: z.literal(LIBRARY_FORMAT),
  version: z.union([z.literal(1), z.literal(2)]),
  grammar: z.strictObject({
    productions: z.array(z.string().min(1)),
    unigram: z.array(z.number()),
    bigram: z.array(z.tuple([z.string(), z.array(z.number())])),
  }),
  /** The words↔primitives model fitted on the run's solved tasks, which conditions a search on a task's description. */
  language: LanguageModelFileSchema.optional(),
});
export type LibraryFileJson = z.infer<typeof LibraryFileSchema>;

/** A library as `loadLibrary` reads it. */
export interface LoadedLibrary {
  /** The file read. */
  readonly file: string;
  readonly grammar: Grammar;
  /** The LAPS language model the library carries (runs of laps-train and laps-test save one), if any. */
  readonly language?: IbmLanguageModel;
}

/**
 * Writes `grammar` (and `language`, the fitted LAPS language model, when given) as `<runDir>/artifacts/library.json`
 * (or to `file` when it ends in .json); returns the path.
 */
export function saveLibrary(target: string, grammar: Grammar, language?: IbmLanguageModelJson): string {
  const file = target.endsWith('.json') ? target : path.join(target, LIBRARY_FILE);
  const json: LibraryFileJson = { format: LIBRARY_FORMAT, version: 2, grammar: grammar.toJson() as LibraryFileJson['grammar'], ...(language ? { language: language as LibraryFileJson['language'] } : {}) };
  writeFileAtomic(file, `${JSON.stringify(json, null, 1)}\n`);
  return file;
}

/**
 * Loads a library: a run directory (its `artifacts/library.json`) or a library JSON file, with its language model
 * when it has one. Every problem is a ConfigError naming the file: not JSON (line and column), a wrong shape (the
 * field), an unknown primitive, or an invented function that does not parse or type-check (the production and the
 * subterm at fault).
 */
export function loadLibrary(target: string): LoadedLibrary {
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
  let grammar: Grammar;
  try {
    grammar = new Grammar(productions, parsed.data.grammar.unigram, new Map(parsed.data.grammar.bigram));
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
  const language = parsed.data.language;
  return { file, grammar, ...(language ? { language: ibmLanguageModelFromJson(language as IbmLanguageModelJson) } : {}) };
}
