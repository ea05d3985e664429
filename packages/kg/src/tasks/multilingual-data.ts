import { ConfigError, type ConfigIssue, type Logger } from '@kt/core';
import type { KgConfig } from '../config-schema';
import { concatTriples, loadMultilingual, type MultilingualGraph, type Triples } from '../data';
import { describeChecks } from './kg-kit';

/** The multilingual graph of a kens/kd config (DBP-5L: target language first, then the supports). */
export function loadMultilingualData(cfg: KgConfig, log?: Logger): MultilingualGraph {
  const data = cfg.data;
  if (data.source !== 'dbp5l') throw new ConfigError(`data.source: task ${cfg.task} needs several language KGs (dbp5l), got ${data.source}`);
  const graph = loadMultilingual(data.dir, data.language, data.supports, cfg.eval.unseen);
  if (log) graph.graphs.forEach((g) => log.info(describeChecks(g.name, g.checks)));
  return graph;
}

export function multilingualIssues(cfg: KgConfig): ConfigIssue[] {
  return cfg.data.source === 'dbp5l' ? [] : [{ path: 'data.source', message: `task ${cfg.task} needs several language KGs: use source dbp5l (got ${cfg.data.source})` }];
}

/**
 * Every language's training triples in one list (local ids) with the language of each; with
 * `supportValid`, the support languages (not the target) also train on their validation triples, as
 * KEnS's run.py does.
 */
export function allTraining(graph: MultilingualGraph, supportValid = false): { triples: Triples; language: Uint8Array } {
  const parts = graph.graphs.map((g, m) => (supportValid && m > 0 ? concatTriples(g.train, g.valid) : g.train));
  const triples = concatTriples(...parts);
  const language = new Uint8Array(triples.h.length);
  let o = 0;
  parts.forEach((p, m) => {
    language.fill(m, o, o + p.h.length);
    o += p.h.length;
  });
  return { triples, language };
}
