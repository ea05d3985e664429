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

/** Every language's training triples in one list (local ids) with the language of each. */
export function allTraining(graph: MultilingualGraph): { triples: Triples; language: Uint8Array } {
  const triples = concatTriples(...graph.graphs.map((g) => g.train));
  const language = new Uint8Array(triples.h.length);
  let o = 0;
  graph.graphs.forEach((g, m) => {
    language.fill(m, o, o + g.train.h.length);
    o += g.train.h.length;
  });
  return { triples, language };
}
