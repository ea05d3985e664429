import { ConfigError } from '@kt/core';
import { at } from './read-lines';
import type { SplitChecks, UnseenPolicy } from './kg-graph';
import { selectTriples, type Triples } from './triples';

/** Where each triple came from (for error messages): file and 1-based line of row i. */
export interface TripleOrigin {
  file: string;
  lines?: Int32Array;
}

/** Entities and relations that occur in `train`. */
export function seenIn(train: Triples, numEntities: number, numRelations: number): { entities: Uint8Array; relations: Uint8Array } {
  const entities = new Uint8Array(numEntities);
  const relations = new Uint8Array(numRelations);
  for (let i = 0; i < train.h.length; i++) {
    entities[train.h[i]!] = 1;
    entities[train.t[i]!] = 1;
    relations[train.r[i]!] = 1;
  }
  return { entities, relations };
}

function tripleKey(t: Triples, i: number): string {
  return `${t.h[i]} ${t.r[i]} ${t.t[i]}`;
}

/** Duplicates and self-loops of one split. */
export function basicChecks(triples: Triples): SplitChecks {
  const seen = new Set<string>();
  let duplicates = 0;
  let selfLoops = 0;
  for (let i = 0; i < triples.h.length; i++) {
    const key = tripleKey(triples, i);
    if (seen.has(key)) duplicates++;
    else seen.add(key);
    if (triples.h[i] === triples.t[i]) selfLoops++;
  }
  return { triples: triples.h.length, duplicates, selfLoops, unseen: 0, skipped: 0, inTrain: 0 };
}

/**
 * Checks an evaluation split against training and applies the unseen policy: `keep` ranks unseen
 * triples like any other, `skip` drops them (counted in `skipped`), `error` throws a ConfigError
 * naming the file and line of the first one.
 */
export function checkEvaluationSplit(
  split: Triples,
  train: Triples,
  seen: { entities: Uint8Array; relations: Uint8Array },
  policy: UnseenPolicy,
  origin: TripleOrigin,
  names: { entities: readonly string[]; relations: readonly string[] },
): { triples: Triples; checks: SplitChecks } {
  const checks = basicChecks(split);
  const trainKeys = new Set<string>();
  for (let i = 0; i < train.h.length; i++) trainKeys.add(tripleKey(train, i));
  const keep: number[] = [];
  for (let i = 0; i < split.h.length; i++) {
    if (trainKeys.has(tripleKey(split, i))) checks.inTrain++;
    const h = split.h[i]!;
    const r = split.r[i]!;
    const t = split.t[i]!;
    const unseen = !seen.entities[h] ? names.entities[h] : !seen.entities[t] ? names.entities[t] : !seen.relations[r] ? names.relations[r] : undefined;
    if (unseen === undefined) {
      keep.push(i);
      continue;
    }
    checks.unseen++;
    if (policy === 'error') {
      const what = !seen.relations[r] && seen.entities[h] && seen.entities[t] ? 'relation' : 'entity';
      throw new ConfigError(`${at(origin.file, origin.lines?.[i])}${what} "${unseen}" never occurs in the training triples (eval.unseen: error; use keep or skip)`);
    }
    if (policy === 'skip') checks.skipped++;
    else keep.push(i);
  }
  return { triples: keep.length === split.h.length ? split : selectTriples(split, keep), checks };
}
