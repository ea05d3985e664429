import * as tf from '@tensorflow/tfjs';
import { selectTriples, type KnownAnswers, type Triples } from '../data';
import type { Direction } from '../models';
import { rankFiltered, type QueryScorer } from './filtered-ranking';

/** One of the k best candidates of a query. */
export interface TopCandidate {
  /** Entity id (row of the scorer's candidates). */
  entity: number;
  score: number;
}

/**
 * The `k` best-scored candidates of each query (`anchors[i]`, `relations[i]`) in one direction, best first: what
 * `kt kg predict` shows and what a run's predicted facts list. Unfiltered: every candidate competes.
 */
export function topCandidates(score: QueryScorer, direction: Direction, anchors: Int32Array, relations: Int32Array, k: number): TopCandidate[][] {
  if (anchors.length === 0) return [];
  const [values, indices, cols] = tf.tidy(() => {
    const scores = score(direction, tf.tensor1d(anchors, 'int32'), tf.tensor1d(relations, 'int32'));
    const top = tf.topk(scores, Math.min(k, scores.shape[1]));
    return [top.values.dataSync(), top.indices.dataSync(), top.values.shape[1]!] as const;
  });
  return Array.from(anchors, (_, q) => Array.from({ length: cols }, (_, j) => ({ entity: indices[q * cols + j]!, score: values[q * cols + j]! })));
}

/** Names a graph gives its entities and relations (a KgGraph or a run's graph.json). */
export interface GraphNames {
  readonly entities: readonly string[];
  readonly relations: readonly string[];
  readonly labels?: readonly string[];
}

/** A predicted entity as a run's `artifacts/predictions.json` keeps it (names, not ids: the report reads nothing else). */
export interface PredictedEntity {
  entity: string;
  label?: string;
  score: number;
  /** The query's test answer. */
  answer?: true;
  /** Another known answer of the query (a triple of train, valid or test). */
  known?: true;
}

/** One test query with the true answer's filtered rank and the k best predictions. */
export interface PredictedQuery {
  direction: Direction;
  head: string;
  relation: string;
  tail: string;
  /** Readable labels of head and tail where the data has them. */
  headLabel?: string;
  tailLabel?: string;
  /** Filtered realistic rank of the true answer (as the test metrics count it). */
  rank: number;
  /** Candidates it was ranked among (entities minus the other known answers). */
  candidates: number;
  top: PredictedEntity[];
}

/** The predictions of one scorer (the learner, an ensemble rule …) on a sample of test queries. */
export interface FactPredictions {
  /** What scored the queries, e.g. `learner` or `ensemble boost`. */
  predictor: string;
  queries: PredictedQuery[];
}

/** `artifacts/predictions.json` of a kg run. */
export interface PredictionsArtifact {
  /** Test triples sampled (each asked in both directions). */
  triples: number;
  /** Test triples in the split they were sampled from. */
  of: number;
  k: number;
  predictors: FactPredictions[];
}

/** The file name of {@link PredictionsArtifact} under a run's artifacts/. */
export const PREDICTIONS_FILE = 'predictions.json';

/** Test triples a run's predictions artifact lists, and predictions per query. */
export const PREDICTED_TRIPLES = 10;
export const PREDICTED_TOP_K = 10;

/** `count` triples evenly spaced over `triples` (all when there are no more): the sample a report shows. */
export function spacedSample(triples: Triples, count: number): Triples {
  const n = triples.h.length;
  const m = Math.min(count, n);
  return selectTriples(
    triples,
    Array.from({ length: m }, (_, i) => Math.floor((i * n) / m)),
  );
}

/**
 * The k best predictions of `score` for each query of `sample` (tail query, then head query, per triple), with the
 * true answer's filtered realistic rank from the same ranking the test metrics use (`rankFiltered`).
 */
export async function predictFacts(score: QueryScorer, predictor: string, sample: Triples, names: GraphNames, known: KnownAnswers, k: number): Promise<FactPredictions> {
  const ranked = await rankFiltered(score, sample, names.entities.length, known, { batchSize: Math.max(1, sample.h.length) });
  const tails = topCandidates(score, 'tail', sample.h, sample.r, k);
  const heads = topCandidates(score, 'head', sample.t, sample.r, k);
  const queries: PredictedQuery[] = [];
  const label = (e: number): { label?: string } => (names.labels?.[e] === undefined ? {} : { label: names.labels[e] });
  for (let i = 0; i < sample.h.length; i++) {
    const [h, r, t] = [sample.h[i]!, sample.r[i]!, sample.t[i]!];
    for (const [d, direction] of (['tail', 'head'] as const).entries()) {
      const answer = direction === 'tail' ? t : h;
      const others = new Set(direction === 'tail' ? known.tailsOf(h, r) : known.headsOf(r, t));
      const top = (direction === 'tail' ? tails : heads)[i]!.map(
        (c): PredictedEntity => ({
          entity: names.entities[c.entity] ?? String(c.entity),
          ...label(c.entity),
          score: c.score,
          ...(c.entity === answer ? { answer: true as const } : others.has(c.entity) ? { known: true as const } : {}),
        }),
      );
      const o = i * 2 + d;
      queries.push({
        direction,
        head: names.entities[h]!,
        relation: names.relations[r] ?? String(r),
        tail: names.entities[t]!,
        ...(names.labels ? { headLabel: names.labels[h], tailLabel: names.labels[t] } : {}),
        rank: ranked.ranks[o]!,
        candidates: ranked.candidates[o]!,
        top,
      });
    }
  }
  return { predictor, queries };
}
