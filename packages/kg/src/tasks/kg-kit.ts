import * as crypto from 'crypto';
import * as path from 'path';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic, writeJsonAtomic, type ConfigIssue, type Logger, type Metrics, type Task } from '@kt/core';
import type { KgConfig, KgDataConfig } from '../config-schema';
import { KnownAnswers, loadDbp5l, loadDictLayout, loadIdTsv, loadLabelledTsv, selectTriples, wordnetGraph, type DataChecks, type KgGraph, type Triples, type UnseenPolicy } from '../data';
import { evaluationReport, formatReport, predictFacts, PREDICTED_TOP_K, PREDICTED_TRIPLES, PREDICTIONS_FILE, rankFiltered, spacedSample, type EvaluationReport, type PredictionsArtifact, type QueryScorer } from '../eval';
import type { EntityRange, KgModel } from '../models';

/** A kg task, typed by the kg config (steps prepare teacher logits in `kd`, nothing otherwise). */
export type KgTask<P extends { dispose?(): void } | undefined = undefined> = Task<KgConfig, P>;

/** What every kg task's `evaluate` reports (both directions, filtered, realistic ranks). */
export const KG_METRICS = ['mrr', 'mr', 'hits1', 'hits3', 'hits10', 'amr'] as const;

/** The graph a config names (for dbp5l: the target language). File problems are ConfigErrors naming file and line. */
export function loadGraph(data: KgDataConfig, policy: UnseenPolicy): KgGraph {
  switch (data.source) {
    case 'dict':
      return loadDictLayout(data.dir, policy);
    case 'tsv':
      return data.ids ? loadIdTsv(data, policy) : loadLabelledTsv(data, policy);
    case 'wordnet':
      return wordnetGraph({ ...data, dictDir: data.dir, policy });
    case 'dbp5l':
      return loadDbp5l(data.dir, data.language, policy);
  }
}

/** Files a config names that `kt validate` can check with `stat` alone. */
export function dataIssues(data: KgDataConfig): ConfigIssue[] {
  const missing = (p: string, where: string): ConfigIssue[] => (fs.existsSync(p) ? [] : [{ path: where, message: `${p} does not exist` }]);
  switch (data.source) {
    case 'dict':
      return missing(data.dir, 'data.dir');
    case 'tsv':
      return [...missing(data.train, 'data.train'), ...missing(data.valid, 'data.valid'), ...missing(data.test, 'data.test')];
    case 'wordnet':
      return data.dir === undefined ? [] : missing(data.dir, 'data.dir');
    case 'dbp5l':
      return [...missing(data.dir, 'data.dir'), ...[data.language, ...data.supports].flatMap((l) => missing(path.join(data.dir, 'kg', `${l}-train.tsv`), 'data.language'))];
  }
}

/** sha256 of a graph's triples and sizes: the teacher cache's data key (content, not path). */
export function graphHash(graphs: readonly KgGraph[]): string {
  const hash = crypto.createHash('sha256');
  for (const g of graphs) {
    hash.update(`|${g.entities.length}|${g.relations.length}|${g.checks.policy}|`);
    for (const s of [g.train, g.valid, g.test]) hash.update(`|${s.h.length}|`).update(s.h).update(s.r).update(s.t);
  }
  return hash.digest('hex').slice(0, 16);
}

/** One line per split: triples, duplicates, self-loops, unseen (and skipped, by policy), leaked into train. */
export function describeChecks(name: string, checks: DataChecks): string {
  const s = (k: 'train' | 'valid' | 'test'): string => {
    const c = checks[k];
    return `${k} ${c.triples} (dup ${c.duplicates}, self-loops ${c.selfLoops}${k === 'train' ? '' : `, unseen ${c.unseen}${c.skipped ? ` skipped ${c.skipped}` : ''}, in train ${c.inTrain}`})`;
  };
  return `${name}: ${s('train')}; ${s('valid')}; ${s('test')}; unseen policy: ${checks.policy}`;
}

/** The metrics of a report (both directions). */
export function metricsOf(report: EvaluationReport, prefix = ''): Metrics {
  const m = report.both;
  return { [`${prefix}mrr`]: m.mrr, [`${prefix}mr`]: m.mr, [`${prefix}hits1`]: m.hits1, [`${prefix}hits3`]: m.hits3, [`${prefix}hits10`]: m.hits10, [`${prefix}amr`]: m.amr };
}

/** The first `max` triples of a split (all when undefined). */
export function head(triples: Triples, max: number | undefined): Triples {
  if (max === undefined || max >= triples.h.length) return triples;
  return selectTriples(
    triples,
    Array.from({ length: max }, (_, i) => i),
  );
}

/** A scorer of a model's queries against one graph's entities (rows `range` of the model's table). */
export function modelScorer(model: KgModel, range: EntityRange): QueryScorer {
  return (direction, anchor, relation) =>
    tf.tidy(() => model.scoreAll(direction, range.start === 0 ? anchor : (tf.add(anchor, range.start) as tf.Tensor1D), relation, range));
}

/** How an evaluation shows progress (when `label` is given) and sees the run's stop request (TaskContext.shouldStop). */
export interface EvalOptions {
  label?: string;
  log?: Logger;
  shouldStop?: () => boolean;
}

/** Filtered evaluation of `triples` of `graph` with `scorer`, both directions; RunInterruptedError when stopped. */
export async function evaluateGraph(scorer: QueryScorer, graph: KgGraph, triples: Triples, known: KnownAnswers, batchSize: number, options: EvalOptions = {}): Promise<EvaluationReport> {
  const progress = options.label === undefined ? undefined : { label: options.label, log: options.log };
  return evaluationReport(await rankFiltered(scorer, triples, graph.entities.length, known, { batchSize, progress, shouldStop: options.shouldStop }), graph.relations);
}

/** What `kt kg predict` needs beside config.json and the weights: names, labels and the target's rows. */
export interface GraphArtifact {
  name: string;
  entities: readonly string[];
  relations: readonly string[];
  labels?: readonly string[];
  /** Rows of the model's entity table that hold this graph's entities. */
  range: EntityRange;
  /** Rows of the whole table. */
  tableSize: number;
  /** Rows of the relation table when it is not one per relation (kens per-language: this graph's rows come first). */
  relationRows?: number;
}

export function writeGraphArtifact(dir: string, graph: KgGraph, range: EntityRange, tableSize: number, relationRows?: number): void {
  const artifact: GraphArtifact = { name: graph.name, entities: graph.entities, relations: graph.relations, labels: graph.labels, range, tableSize, ...(relationRows === undefined ? {} : { relationRows }) };
  writeJsonAtomic(path.join(dir, 'graph.json'), artifact);
}

/** `eval-<name>.json` (metrics, per direction and relation, data checks and policy) and `eval-<name>.txt` (the table). */
export function writeEvaluation(dir: string, name: string, report: EvaluationReport, checks: DataChecks, extra: Record<string, unknown> = {}): void {
  writeJsonAtomic(path.join(dir, `eval-${name}.json`), { unseenPolicy: checks.policy, dataChecks: checks, ...report, ...extra });
  writeFileAtomic(path.join(dir, `eval-${name}.txt`), `filtered ranking, realistic ranks for ties; unseen policy: ${checks.policy}\n${formatReport(report)}`);
}

/**
 * The predicted facts `artifacts/predictions.json` keeps for `kt report`: each scorer's top-k answers to a sample of
 * the test triples (both directions) with the true answer's filtered rank. Computed at the end of the test evaluation,
 * where the model is in memory, so that the report reads a small file and loads no model or backend.
 */
export async function testPredictions(scorers: readonly { predictor: string; score: QueryScorer }[], graph: KgGraph, known: KnownAnswers): Promise<PredictionsArtifact> {
  const sample = spacedSample(graph.test, PREDICTED_TRIPLES);
  const predictors = [];
  for (const s of scorers) predictors.push(await predictFacts(s.score, s.predictor, sample, graph, known, PREDICTED_TOP_K));
  return { triples: sample.h.length, of: graph.test.h.length, k: PREDICTED_TOP_K, predictors };
}

export function writePredictions(dir: string, predictions: PredictionsArtifact): void {
  writeJsonAtomic(path.join(dir, PREDICTIONS_FILE), predictions);
}

export function logChecks(log: Logger, graph: KgGraph): void {
  log.info(describeChecks(graph.name, graph.checks));
}
