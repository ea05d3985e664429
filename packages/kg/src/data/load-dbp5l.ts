import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '@kt/core';
import type { KgGraph, UnseenPolicy } from './kg-graph';
import { loadIdTsv } from './load-named-triples';
import { at, parseId, readDataLines, tsvFields } from './read-lines';

/** The languages of DBP-5L (KEnS, Chen et al. 2020). */
export const DBP5L_LANGUAGES = ['el', 'en', 'es', 'fr', 'ja'] as const;

/** A DBpedia URI's readable title: its last path segment, percent-decoded, underscores as spaces. */
export function uriLabel(uri: string): string {
  const last = uri.slice(uri.lastIndexOf('/') + 1);
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // keep the raw segment
  }
  return decoded.replace(/_/g, ' ');
}

/**
 * One language of the DBP-5L layout: `kg/<lang>-{train,val,test}.tsv` (head, relation, tail ids),
 * `entity/<lang>.tsv` (one URI a line, line number − 1 = id) and the shared `relations.txt`.
 */
export function loadDbp5l(dir: string, language: string, policy: UnseenPolicy): KgGraph {
  const entities = readDataLines(path.join(dir, 'entity', `${language}.tsv`)).map((l) => l.text.trim());
  const relations = readDataLines(path.join(dir, 'relations.txt')).map((l) => l.text.trim());
  const kg = (split: string): string => path.join(dir, 'kg', `${language}-${split}.tsv`);
  return loadIdTsv({ train: kg('train'), valid: kg('val'), test: kg('test') }, policy, { entities, relations, labels: entities.map(uriLabel), name: `dbp5l-${language}` });
}

/** Seed alignment links between two languages: pairs (id in `a`, id in `b`). */
export interface AlignmentLinks {
  readonly a: Int32Array;
  readonly b: Int32Array;
}

/**
 * `seed_alignlinks/<a>-<b>.tsv` (or `<b>-<a>.tsv`, swapped): pairs of entity ids. A link to an entity
 * the language does not have is a ConfigError naming file and line.
 */
export function loadAlignment(dir: string, a: string, b: string, sizes: { a: number; b: number }): AlignmentLinks {
  const direct = path.join(dir, 'seed_alignlinks', `${a}-${b}.tsv`);
  const reverse = path.join(dir, 'seed_alignlinks', `${b}-${a}.tsv`);
  const swapped = !fs.existsSync(direct) && fs.existsSync(reverse);
  const file = swapped ? reverse : direct;
  if (!fs.existsSync(file)) throw new ConfigError(`${direct}: no seed alignment file for ${a}-${b} (nor ${reverse})`);
  const lines = readDataLines(file);
  const left = new Int32Array(lines.length);
  const right = new Int32Array(lines.length);
  const [first, second] = swapped ? [b, a] : [a, b];
  const firstSize = swapped ? sizes.b : sizes.a;
  const secondSize = swapped ? sizes.a : sizes.b;
  lines.forEach(({ line, text }, i) => {
    const [x, y] = tsvFields(file, line, text, 2);
    const ix = parseId(file, line, x!, `${first} entity id`);
    const iy = parseId(file, line, y!, `${second} entity id`);
    if (ix >= firstSize) throw new ConfigError(`${at(file, line)}alignment link to missing ${first} entity ${ix} (${first} has ${firstSize} entities)`);
    if (iy >= secondSize) throw new ConfigError(`${at(file, line)}alignment link to missing ${second} entity ${iy} (${second} has ${secondSize} entities)`);
    left[i] = ix;
    right[i] = iy;
  });
  return swapped ? { a: right, b: left } : { a: left, b: right };
}
