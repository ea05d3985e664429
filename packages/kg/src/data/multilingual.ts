import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '@kt/core';
import type { KgGraph, UnseenPolicy } from './kg-graph';
import { loadAlignment, loadDbp5l, type AlignmentLinks } from './load-dbp5l';

/** Seed links between two languages (indices into `languages`). */
export interface LanguageLinks {
  a: number;
  b: number;
  links: AlignmentLinks;
}

/**
 * Several language-specific KGs over one relation vocabulary, embedded in one entity table: language
 * i's entities are rows `offsets[i] … offsets[i] + graphs[i].entities.length − 1`. Language 0 is the target.
 */
export interface MultilingualGraph {
  languages: string[];
  graphs: KgGraph[];
  offsets: number[];
  tableSize: number;
  numRelations: number;
  links: LanguageLinks[];
}

/**
 * DBP-5L's target and support languages with the seed links of every pair whose file exists; a
 * missing link file between the target and a support language is a ConfigError.
 */
export function loadMultilingual(dir: string, target: string, supports: readonly string[], policy: UnseenPolicy): MultilingualGraph {
  const languages = [target, ...supports.filter((l) => l !== target)];
  if (new Set(languages).size !== languages.length) throw new ConfigError(`data.supports: a language is listed twice (${supports.join(', ')})`);
  const graphs = languages.map((l) => loadDbp5l(dir, l, policy));
  const offsets: number[] = [];
  let size = 0;
  for (const g of graphs) {
    offsets.push(size);
    size += g.entities.length;
  }
  const numRelations = graphs[0]!.relations.length;
  const links: LanguageLinks[] = [];
  for (let a = 0; a < languages.length; a++) {
    for (let b = a + 1; b < languages.length; b++) {
      const [la, lb] = [languages[a]!, languages[b]!];
      const exists = [`${la}-${lb}`, `${lb}-${la}`].some((n) => fs.existsSync(path.join(dir, 'seed_alignlinks', `${n}.tsv`)));
      if (!exists && a !== 0) continue;
      links.push({ a, b, links: loadAlignment(dir, la, lb, { a: graphs[a]!.entities.length, b: graphs[b]!.entities.length }) });
    }
  }
  return { languages, graphs, offsets, tableSize: size, numRelations, links };
}

/**
 * For each target entity, its counterpart in language `b` (local id) or −1: from the target–b links
 * (the first link of an entity wins).
 */
export function counterparts(graph: MultilingualGraph, b: number, extra: readonly AlignmentLinks[] = []): Int32Array {
  const out = new Int32Array(graph.graphs[0]!.entities.length).fill(-1);
  for (const l of graph.links) {
    if (l.a === 0 && l.b === b) for (let i = 0; i < l.links.a.length; i++) if (out[l.links.a[i]!] === -1) out[l.links.a[i]!] = l.links.b[i]!;
  }
  for (const x of extra) for (let i = 0; i < x.a.length; i++) if (out[x.a[i]!] === -1) out[x.a[i]!] = x.b[i]!;
  return out;
}
