import * as tf from '@tensorflow/tfjs';
import { RunInterruptedError, startProgress, type Logger } from '@kt/core';
import { type KnownAnswers, type Triples } from '../data';
import type { Direction } from '../models';
import { rankingMetrics, realisticRank, type RankingMetrics } from './rank-metrics';

/** Scores [B, N] of a batch of queries (anchor ids, relation ids) against every candidate entity. */
export type QueryScorer = (direction: Direction, anchor: tf.Tensor1D, relation: tf.Tensor1D) => tf.Tensor2D;

/** The ranks of every query of an evaluation, in order: for triple i, tail query then head query. */
export interface RankedQueries {
  /** Realistic filtered rank of each query. */
  ranks: Float64Array;
  /** Candidates each query was ranked among (entities minus the filtered known answers). */
  candidates: Int32Array;
  relation: Int32Array;
  direction: Uint8Array;
}

export interface FilteredRankingOptions {
  /** Queries scored together; default 256. */
  batchSize?: number;
  directions?: readonly Direction[];
  /** Show progress (queries ranked) under this label: a bar on a terminal, plain lines through `log` otherwise. */
  progress?: { label: string; log?: Logger };
  /**
   * The run's stop request (TaskContext.shouldStop): polled after every block of queries, with a yield to
   * the event loop before it so that a SIGINT handler can run; when true, RunInterruptedError. A block
   * that took longer than `maxBlockSeconds` halves the block size for the rest, down to 1/16 of `batchSize`
   * (ranks do not depend on it), so a stop is honoured within about that time.
   */
  shouldStop?: () => boolean;
  /** Default 1. */
  maxBlockSeconds?: number;
}

/** Lets pending callbacks (signal handlers, timers) run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Filtered rank-based evaluation (Bordes et al. 2013): each test triple (h, r, t) is ranked as the
 * query (h, r, ?) among all entities and, in the other direction, (?, r, t); every other entity that
 * makes a known triple (train + valid + test, `known`) is removed from the candidates; ties get the
 * realistic rank. Vectorised: a batch of queries is scored as one [B, N] matrix on the backend; the
 * strictly greater and equal scores of each row are counted in one pass over the downloaded matrix and
 * corrected for the filtered answers (on wasm, tfjs's broadcast Greater/Equal over [128, 40,943] took
 * ~50x the matrix product: docs/results/kg.md). Asynchronous so that Ctrl-C is seen between blocks.
 */
export async function rankFiltered(score: QueryScorer, triples: Triples, numEntities: number, known: KnownAnswers, options: FilteredRankingOptions = {}): Promise<RankedQueries> {
  const directions = options.directions ?? (['tail', 'head'] as const);
  const n = triples.h.length;
  const q = n * directions.length;
  const out: RankedQueries = { ranks: new Float64Array(q), candidates: new Int32Array(q), relation: new Int32Array(q), direction: new Uint8Array(q) };
  let batchSize = options.batchSize ?? 256;
  // Halving stops at 1/16 of the configured size: below that, per-block overhead (the kens ensembles gather
  // every language's candidates per block) costs more than the stop latency it saves.
  const minBlock = Math.max(1, Math.floor(batchSize / 16));
  const maxBlockMs = (options.maxBlockSeconds ?? 1) * 1000;
  const progress = options.progress ? startProgress(options.progress.label, q, { log: options.progress.log, unit: 'queries' }) : undefined;
  for (let start = 0; start < n; ) {
    const end = Math.min(n, start + batchSize);
    const b = end - start;
    for (const [d, direction] of directions.entries()) {
      const t0 = Date.now();
      const anchors = (direction === 'tail' ? triples.h : triples.t).subarray(start, end);
      const answers = (direction === 'tail' ? triples.t : triples.h).subarray(start, end);
      const relations = triples.r.subarray(start, end);
      const scores = tf.tidy(() => score(direction, tf.tensor1d(anchors, 'int32'), tf.tensor1d(relations, 'int32')));
      const values = scores.dataSync() as Float32Array;
      scores.dispose();
      for (let i = 0; i < b; i++) {
        const row = i * numEntities;
        const target = values[row + answers[i]!]!;
        let g = 0;
        let e = -1; // the answer equals itself
        for (let c = row, last = row + numEntities; c < last; c++) {
          const v = values[c]!;
          if (v > target) g++;
          else if (v === target) e++;
        }
        // Remove the other known answers of the query from the candidates.
        const others = direction === 'tail' ? known.tailsOf(anchors[i]!, relations[i]!) : known.headsOf(relations[i]!, anchors[i]!);
        let removed = 0;
        for (const o of others) {
          if (o === answers[i]) continue;
          const v = values[row + o]!;
          if (v > target) g--;
          else if (v === target) e--;
          removed++;
        }
        const o = (start + i) * directions.length + d;
        out.ranks[o] = realisticRank(g, e);
        out.candidates[o] = numEntities - removed;
        out.relation[o] = relations[i]!;
        out.direction[o] = direction === 'head' ? 1 : 0;
      }
      if (options.shouldStop) {
        if (Date.now() - t0 > maxBlockMs && batchSize > minBlock) batchSize = Math.max(minBlock, Math.floor(batchSize / 2));
        await yieldToEventLoop();
        if (options.shouldStop()) {
          const done = start * directions.length + (d + 1) * b;
          throw new RunInterruptedError(`${options.progress?.label ?? 'evaluation'}: stopped after ${done} of ${q} queries`);
        }
      }
    }
    start = end;
    progress?.update(end * directions.length);
  }
  return out;
}

export interface EvaluationReport {
  /** Both directions together. */
  both: RankingMetrics;
  tail: RankingMetrics;
  head: RankingMetrics;
  /** By relation name, both directions. */
  perRelation: Record<string, RankingMetrics>;
}

function pick(ranked: RankedQueries, keep: (i: number) => boolean): RankingMetrics {
  const ranks: number[] = [];
  const candidates: number[] = [];
  for (let i = 0; i < ranked.ranks.length; i++) {
    if (!keep(i)) continue;
    ranks.push(ranked.ranks[i]!);
    candidates.push(ranked.candidates[i]!);
  }
  return rankingMetrics(ranks, candidates);
}

/** Overall, per-direction and per-relation metrics of ranked queries. */
export function evaluationReport(ranked: RankedQueries, relationNames: readonly string[]): EvaluationReport {
  const perRelation: Record<string, RankingMetrics> = {};
  for (const r of [...new Set(ranked.relation)].sort((a, b) => a - b)) perRelation[relationNames[r] ?? String(r)] = pick(ranked, (i) => ranked.relation[i] === r);
  return {
    both: pick(ranked, () => true),
    tail: pick(ranked, (i) => ranked.direction[i] === 0),
    head: pick(ranked, (i) => ranked.direction[i] === 1),
    perRelation,
  };
}

/** A plain-text table of a report: one row for all queries, one per direction, one per relation. */
export function formatReport(report: EvaluationReport): string {
  const rows: Array<[string, RankingMetrics]> = [
    ['all', report.both],
    ['tail (h, r, ?)', report.tail],
    ['head (?, r, t)', report.head],
    ...Object.entries(report.perRelation),
  ];
  const width = Math.max(...rows.map(([n]) => n.length), 8);
  const f = (x: number): string => x.toFixed(4).padStart(7);
  const lines = [`${'queries'.padEnd(width)}  ${'n'.padStart(6)}     MRR      MR  Hits@1  Hits@3 Hits@10     AMR`];
  for (const [name, m] of rows) lines.push(`${name.padEnd(width)}  ${String(m.count).padStart(6)} ${f(m.mrr)} ${m.mr.toFixed(1).padStart(7)} ${f(m.hits1)} ${f(m.hits3)} ${f(m.hits10)} ${f(m.amr)}`);
  return `${lines.join('\n')}\n`;
}
