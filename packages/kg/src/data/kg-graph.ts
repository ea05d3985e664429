import type { Triples } from './triples';

/** What to do with an evaluation triple whose entity or relation never occurs in training. */
export const UNSEEN_POLICIES = ['keep', 'skip', 'error'] as const;
export type UnseenPolicy = (typeof UNSEEN_POLICIES)[number];

export interface SplitChecks {
  triples: number;
  /** Triples that repeat an earlier triple of the same split. */
  duplicates: number;
  /** Triples whose head is their tail. */
  selfLoops: number;
  /** Evaluation triples with an entity or relation absent from training (before the policy). */
  unseen: number;
  /** Unseen triples dropped by policy `skip`. */
  skipped: number;
  /** Evaluation triples that also occur in training (leakage). */
  inTrain: number;
}

/** The data checks of a graph, stated in every result beside the unseen-entity policy. */
export interface DataChecks {
  policy: UnseenPolicy;
  train: SplitChecks;
  valid: SplitChecks;
  test: SplitChecks;
}

/** A knowledge graph with its splits, entity and relation names, and optional readable labels. */
export interface KgGraph {
  readonly name: string;
  /** Entity names (ids as written in the data); index = id. */
  readonly entities: readonly string[];
  readonly relations: readonly string[];
  /** Readable entity labels (WordNet lemmas, DBpedia titles) where the data has them. */
  readonly labels?: readonly string[];
  readonly train: Triples;
  readonly valid: Triples;
  readonly test: Triples;
  readonly checks: DataChecks;
}
