import * as path from 'path';
import { ConfigError } from '@kt/core';
import { basicChecks, checkEvaluationSplit, seenIn } from './data-checks';
import type { KgGraph, UnseenPolicy } from './kg-graph';
import { at, parseId, readDataLines, tsvFields } from './read-lines';
import type { Triples } from './triples';
import { Vocabulary } from './vocabulary';

interface ParsedSplit {
  triples: Triples;
  lines: Int32Array;
  file: string;
}

/** Reads `head<TAB>relation<TAB>tail` lines, mapping each name through `entity`/`relation` (which may throw with file:line). */
function readTriples(file: string, entity: (name: string, line: number) => number, relation: (name: string, line: number) => number): ParsedSplit {
  const lines = readDataLines(file);
  const h = new Int32Array(lines.length);
  const r = new Int32Array(lines.length);
  const t = new Int32Array(lines.length);
  const where = new Int32Array(lines.length);
  lines.forEach(({ line, text }, i) => {
    const [a, b, c] = tsvFields(file, line, text, 3);
    h[i] = entity(a!, line);
    r[i] = relation(b!, line);
    t[i] = entity(c!, line);
    where[i] = line;
  });
  return { triples: { h, r, t }, lines: where, file };
}

function assemble(name: string, entities: readonly string[], relations: readonly string[], splits: { train: ParsedSplit; valid: ParsedSplit; test: ParsedSplit }, policy: UnseenPolicy, labels?: readonly string[]): KgGraph {
  const train = splits.train.triples;
  const seen = seenIn(train, entities.length, relations.length);
  const names = { entities, relations };
  const valid = checkEvaluationSplit(splits.valid.triples, train, seen, policy, { file: splits.valid.file, lines: splits.valid.lines }, names);
  const test = checkEvaluationSplit(splits.test.triples, train, seen, policy, { file: splits.test.file, lines: splits.test.lines }, names);
  return { name, entities, relations, labels, train, valid: valid.triples, test: test.triples, checks: { policy, train: basicChecks(train), valid: valid.checks, test: test.checks } };
}

/** Reads a `<id><TAB><name>` dictionary (WN18RR's entities.dict): ids must be 0..n-1 in any order, names unique. */
export function readDict(file: string): string[] {
  const lines = readDataLines(file);
  const names: string[] = new Array<string>(lines.length);
  const seen = new Set<string>();
  for (const { line, text } of lines) {
    const [id, name] = tsvFields(file, line, text, 2);
    const n = parseId(file, line, id!, 'id');
    if (n >= lines.length) throw new ConfigError(`${at(file, line)}id ${n} is out of range: ${lines.length} entries need ids 0..${lines.length - 1}`);
    if (names[n] !== undefined) throw new ConfigError(`${at(file, line)}id ${n} is used twice`);
    if (seen.has(name!)) throw new ConfigError(`${at(file, line)}name "${name}" is listed twice`);
    seen.add(name!);
    names[n] = name!;
  }
  return names;
}

/**
 * The `entities.dict` / `relations.dict` layout of WN18RR and Countries (KnowledgeGraphEmbedding):
 * `dir/{train,valid,test}.txt` with names, mapped through the two dictionaries. A name missing from a
 * dictionary is a ConfigError naming file and line.
 */
export function loadDictLayout(dir: string, policy: UnseenPolicy): KgGraph {
  const entities = readDict(path.join(dir, 'entities.dict'));
  const relations = readDict(path.join(dir, 'relations.dict'));
  const eIds = new Map(entities.map((n, i) => [n, i]));
  const rIds = new Map(relations.map((n, i) => [n, i]));
  const read = (split: string): ParsedSplit => {
    const file = path.join(dir, `${split}.txt`);
    return readTriples(
      file,
      (n, line) => {
        const id = eIds.get(n);
        if (id === undefined) throw new ConfigError(`${at(file, line)}unknown entity "${n}" (not in ${path.join(dir, 'entities.dict')})`);
        return id;
      },
      (n, line) => {
        const id = rIds.get(n);
        if (id === undefined) throw new ConfigError(`${at(file, line)}unknown relation "${n}" (not in ${path.join(dir, 'relations.dict')})`);
        return id;
      },
    );
  };
  return assemble(path.basename(path.resolve(dir)), entities, relations, { train: read('train'), valid: read('valid'), test: read('test') }, policy);
}

/**
 * Three TSV files of labelled triples (`head<TAB>relation<TAB>tail` names, no dictionaries): the
 * vocabulary is the training file's, extended by evaluation names under policy `keep`.
 */
export function loadLabelledTsv(files: { train: string; valid: string; test: string }, policy: UnseenPolicy): KgGraph {
  const entities = new Vocabulary();
  const relations = new Vocabulary();
  const train = readTriples(files.train, (n) => entities.add(n), (n) => relations.add(n));
  // Evaluation names get ids too, so unseen ones can be reported and, by policy, kept or skipped.
  const valid = readTriples(files.valid, (n) => entities.add(n), (n) => relations.add(n));
  const test = readTriples(files.test, (n) => entities.add(n), (n) => relations.add(n));
  return assemble(path.basename(path.dirname(path.resolve(files.train))), entities.names, relations.names, { train, valid, test }, policy);
}

export interface IdTsvOptions {
  /** Entity names by id (their count bounds the ids); default "0".."max id". */
  entities?: readonly string[];
  relations?: readonly string[];
  labels?: readonly string[];
  name?: string;
}

/**
 * Three TSV files of integer ids (`h<TAB>r<TAB>t`; DBP-5L writes some as `12.0`); the vocabulary sizes
 * are the given name lists' or the largest id + 1, and an id beyond a given list is a ConfigError
 * naming file and line.
 */
export function loadIdTsv(files: { train: string; valid: string; test: string }, policy: UnseenPolicy, options: IdTsvOptions = {}): KgGraph {
  let maxE = -1;
  let maxR = -1;
  const nE = options.entities?.length;
  const nR = options.relations?.length;
  const read = (file: string): ParsedSplit =>
    readTriples(
      file,
      (v, line) => {
        const id = parseId(file, line, v, 'entity id');
        if (nE !== undefined && id >= nE) throw new ConfigError(`${at(file, line)}entity id ${id} is out of range (${nE} entities)`);
        maxE = Math.max(maxE, id);
        return id;
      },
      (v, line) => {
        const id = parseId(file, line, v, 'relation id');
        if (nR !== undefined && id >= nR) throw new ConfigError(`${at(file, line)}relation id ${id} is out of range (${nR} relations)`);
        maxR = Math.max(maxR, id);
        return id;
      },
    );
  const splits = { train: read(files.train), valid: read(files.valid), test: read(files.test) };
  const entities = options.entities ?? Array.from({ length: maxE + 1 }, (_, i) => String(i));
  const relations = options.relations ?? Array.from({ length: maxR + 1 }, (_, i) => String(i));
  return assemble(options.name ?? path.basename(path.dirname(path.resolve(files.train))), entities, relations, splits, policy, options.labels);
}
