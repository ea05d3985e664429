import * as tf from '@tensorflow/tfjs';
import { embeddingLookup, RunInterruptedError, type Rng } from '@kt/core';
import { counterparts, type AlignmentLinks, type KnownAnswers, type MultilingualGraph, type Triples } from '../data';
import { ensembleScores, rankBoostWeights, topKVotes, type BoostQuery, type EnsembleRule } from '../ensemble';
import { rankFiltered, rankingMetrics, yieldToEventLoop, type QueryScorer } from '../eval';
import { type Direction, type KgModel } from '../models';

/** Weight names of the self-learned target–`language` links (target ids, support ids) in checkpoints and run weights. */
export function learnedLinkKeys(language: string): [string, string] {
  return [`kens/learned/${language}/target`, `kens/learned/${language}/support`];
}

/**
 * The self-learned links as int32 tensors, one pair per support language (empty when none yet), so that
 * a checkpoint carries them and a resumed run continues with the same links (and a kd teacher read from a
 * finished kens run votes through them).
 */
export function learnedLinksToWeights(graph: MultilingualGraph, learned: ReadonlyMap<number, AlignmentLinks>): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  graph.languages.forEach((lang, m) => {
    if (m === 0) return;
    const links = learned.get(m) ?? { a: new Int32Array(0), b: new Int32Array(0) };
    const [ka, kb] = learnedLinkKeys(lang);
    out.set(ka, tf.tensor1d(links.a, 'int32'));
    out.set(kb, tf.tensor1d(links.b, 'int32'));
  });
  return out;
}

/** The self-learned links stored by `learnedLinksToWeights` (languages without them get none); ids are checked against each graph. */
export function learnedLinksFromWeights(graph: MultilingualGraph, weights: ReadonlyMap<string, tf.Tensor>): Map<number, AlignmentLinks> {
  const out = new Map<number, AlignmentLinks>();
  graph.languages.forEach((lang, m) => {
    if (m === 0) return;
    const [ka, kb] = learnedLinkKeys(lang);
    const ta = weights.get(ka);
    const tb = weights.get(kb);
    if (!ta || !tb) return;
    const a = Int32Array.from(ta.dataSync());
    const b = Int32Array.from(tb.dataSync());
    const [na, nb] = [graph.graphs[0]!.entities.length, graph.graphs[m]!.entities.length];
    if (a.length !== b.length || a.some((x) => x < 0 || x >= na) || b.some((x) => x < 0 || x >= nb)) {
      throw new Error(`${ka}/${kb}: learned links do not fit ${graph.languages[0]} (${na} entities) and ${lang} (${nb} entities)`);
    }
    if (a.length > 0) out.set(m, { a, b });
  });
  return out;
}

/** Every seed (and learned) link as pairs of rows of the shared entity table. */
export function tableLinks(graph: MultilingualGraph, learned: ReadonlyMap<number, AlignmentLinks>): { a: Int32Array; b: Int32Array } {
  const a: number[] = [];
  const b: number[] = [];
  const add = (la: number, lb: number, links: AlignmentLinks): void => {
    for (let i = 0; i < links.a.length; i++) {
      a.push(links.a[i]! + graph.offsets[la]!);
      b.push(links.b[i]! + graph.offsets[lb]!);
    }
  };
  for (const l of graph.links) add(l.a, l.b, l.links);
  for (const [lb, links] of learned) add(0, lb, links);
  return { a: Int32Array.from(a), b: Int32Array.from(b) };
}

/** KEnS's alignment loss: mean over a batch of links of ‖e_a − e_b‖² (the languages' entities share one space). */
export function alignmentLoss(model: KgModel, links: { a: Int32Array; b: Int32Array }, batch: number, rng: Rng): tf.Scalar {
  const n = links.a.length;
  const ia = new Int32Array(Math.min(batch, n));
  const ib = new Int32Array(ia.length);
  for (let i = 0; i < ia.length; i++) {
    const j = rng.int(n);
    ia[i] = links.a[j]!;
    ib[i] = links.b[j]!;
  }
  return tf.tidy(() => tf.mean(tf.sum(tf.square(tf.sub(embeddingLookup(model.entity, tf.tensor1d(ia, 'int32')), embeddingLookup(model.entity, tf.tensor1d(ib, 'int32')))), -1)) as tf.Scalar);
}

/** Throws RunInterruptedError when the run was asked to stop, after letting a pending signal handler run. */
export async function checkStop(shouldStop: (() => boolean) | undefined, what: string): Promise<void> {
  if (!shouldStop) return;
  await yieldToEventLoop();
  if (shouldStop()) throw new RunInterruptedError(`stopped during ${what}`);
}

/** Nearest row of `to` (by L2 distance) for each row of `from`, in chunks: [index, squared distance]. */
async function nearest(from: tf.Tensor2D, to: tf.Tensor2D, shouldStop: (() => boolean) | undefined, chunk = 512): Promise<{ index: Int32Array; dist: Float32Array }> {
  const n = from.shape[0];
  const index = new Int32Array(n);
  const dist = new Float32Array(n);
  const toSq = tf.tidy(() => tf.reshape(tf.sum(tf.square(to), -1), [1, -1]));
  for (let s = 0; s < n; s += chunk) {
    const size = Math.min(chunk, n - s);
    const [i, d] = tf.tidy(() => {
      const x = tf.slice(from, [s, 0], [size, -1]);
      const sq = tf.add(tf.sub(tf.sum(tf.square(x), -1, true), tf.mul(2, tf.matMul(x, to, false, true))), toSq);
      return [tf.argMin(sq, 1).dataSync(), tf.min(sq, 1).dataSync()];
    });
    index.set(i, s);
    dist.set(d, s);
    try {
      await checkStop(shouldStop, 'self-learning (nearest neighbours)');
    } catch (err) {
      toSq.dispose();
      throw err;
    }
  }
  toSq.dispose();
  return { index, dist };
}

/**
 * Self-learning (KEnS §3.2): target and support entities that are each other's nearest neighbour in
 * the shared space and not yet linked become new links; at most `maxNew`, closest first.
 */
export async function mutualNearestLinks(model: KgModel, graph: MultilingualGraph, b: number, linked: Int32Array, maxNew: number, shouldStop?: () => boolean): Promise<AlignmentLinks> {
  const target = graph.graphs[0]!.entities.length;
  const support = graph.graphs[b]!.entities.length;
  const [t, s] = [tf.slice(model.entity, [0, 0], [target, -1]) as tf.Tensor2D, tf.slice(model.entity, [graph.offsets[b]!, 0], [support, -1]) as tf.Tensor2D];
  let forward: Awaited<ReturnType<typeof nearest>>;
  let backward: Awaited<ReturnType<typeof nearest>>;
  try {
    forward = await nearest(t, s, shouldStop);
    backward = await nearest(s, t, shouldStop);
  } finally {
    tf.dispose([t, s]);
  }
  const taken = new Set<number>();
  for (const x of linked) if (x >= 0) taken.add(x);
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < target; i++) {
    const j = forward.index[i]!;
    if (linked[i] === -1 && !taken.has(j) && backward.index[j] === i) pairs.push([i, j, forward.dist[i]!]);
  }
  pairs.sort((x, y) => x[2] - y[2] || x[0] - y[0]);
  const kept = pairs.slice(0, maxNew);
  return { a: Int32Array.from(kept, (p) => p[0]), b: Int32Array.from(kept, (p) => p[1]) };
}

/** The counterpart of every target entity in each language (undefined for the target itself). */
export function allCounterparts(graph: MultilingualGraph, learned: ReadonlyMap<number, AlignmentLinks>): Array<Int32Array | undefined> {
  return graph.languages.map((_, m) => (m === 0 ? undefined : counterparts(graph, m, learned.has(m) ? [learned.get(m)!] : [])));
}

/** How a kens model's languages answer target queries (`kens.models`). */
export type KensModels = 'shared' | 'per-language';

/** Rows of a kens model's relation table: one set shared by every language, or one set per language. */
export function kensRelationCount(graph: MultilingualGraph, models: KensModels): number {
  return models === 'per-language' ? graph.numRelations * graph.languages.length : graph.numRelations;
}

/** Where language m's relation rows start in a kens model's relation table. */
export function relationOffset(graph: MultilingualGraph, m: number, models: KensModels): number {
  return models === 'per-language' ? m * graph.numRelations : 0;
}

/** A trained kens model seen as one model per language: what the ensembles, MRR weights and kd teacher score with. */
export interface KensView {
  model: KgModel;
  graph: MultilingualGraph;
  /** The counterpart of every target entity in each language (seed and learned links; undefined for the target). */
  cps: ReadonlyArray<Int32Array | undefined>;
  models: KensModels;
}

/** Score of a target entity that language m cannot name (no counterpart there): below every real score. */
export const UNLINKED_SCORE = -1e30;

/** Language m's answer to a batch of target queries: scores [B, N_target], whether it has the anchor, which candidates it can name. */
export interface LanguageScores {
  scores: tf.Tensor2D;
  /** [B]: 1 where the anchor has a counterpart in language m (else the row holds the target model's own scores). */
  available: tf.Tensor1D;
  /** [N_target]: 1 where language m can name the target entity (per-language models only; undefined = all). */
  candidates?: tf.Tensor1D;
}

/**
 * Scores [B, N_target] of language m's model for target queries; the anchor is replaced by its
 * counterpart in language m; where it has none (`available` 0) the target's own model answers.
 * - shared: the counterpart is scored against the target's entity rows with the shared relations.
 * - per-language (KEnS): with language m's relation rows against m's own counterparts of the target's
 *   entities (KEnS's `filtered_reordered_embedding_matrix`); target entities without a counterpart in m
 *   score UNLINKED_SCORE and are not `candidates` (KEnS leaves them as zero vectors in that matrix, so
 *   they could still enter its top k; here they cannot).
 */
export function languageScores(view: KensView, m: number, direction: Direction, anchor: tf.Tensor1D, relation: tf.Tensor1D): LanguageScores {
  return tf.tidy(() => {
    const { model, graph, models } = view;
    const cp = view.cps[m];
    const range = { start: 0, size: graph.graphs[0]!.entities.length };
    const local = anchor.dataSync();
    const has = Uint8Array.from(local, (a) => (!cp || cp[a]! >= 0 ? 1 : 0));
    const available = tf.tensor1d(Float32Array.from(has));
    if (models !== 'per-language' || m === 0 || !cp) {
      const ids = Int32Array.from(local, (a) => (cp && cp[a]! >= 0 ? cp[a]! + graph.offsets[m]! : a));
      return { scores: model.scoreAll(direction, tf.tensor1d(ids, 'int32'), relation, range), available };
    }
    const offset = graph.offsets[m]!;
    const ids = Int32Array.from(local, (a, i) => (has[i] ? cp[a]! + offset : a));
    const rows = Int32Array.from(cp, (c) => (c >= 0 ? c + offset : 0));
    const candidates = tf.tensor1d(Float32Array.from(cp, (c) => (c >= 0 ? 1 : 0)));
    const own = tf.add(relation, tf.scalar(relationOffset(graph, m, models), 'int32')) as tf.Tensor1D;
    const raw = model.scoreCandidates(direction, tf.tensor1d(ids, 'int32'), own, tf.tensor1d(rows, 'int32'));
    let scores = tf.where(tf.cast(tf.expandDims(candidates, 0), 'bool'), raw, tf.fill(raw.shape, UNLINKED_SCORE)) as tf.Tensor2D;
    if (has.includes(0)) scores = tf.where(tf.cast(tf.expandDims(available, 1), 'bool'), scores, model.scoreAll(direction, anchor, relation, range)) as tf.Tensor2D;
    return { scores, available, candidates };
  });
}

/** One language's model as a QueryScorer over the target's entities (the target's own model where the anchor has no counterpart). */
export function languageScorer(view: KensView, m: number): QueryScorer {
  return (direction, anchor, relation) => {
    const { scores, available, candidates } = languageScores(view, m, direction, anchor, relation);
    tf.dispose([available, ...(candidates ? [candidates] : [])]);
    return scores;
  };
}

/** The ensemble of every language's model with `weights`, as a QueryScorer over the target's entities. */
export function ensembleScorer(view: KensView, weights: readonly number[], topK: number): QueryScorer {
  return (direction, anchor, relation) =>
    tf.tidy(() => {
      const per = view.graph.languages.map((_, m) => languageScores(view, m, direction, anchor, relation));
      const votes = per.map((p) => topKVotes(p.scores, topK, p.available, p.candidates));
      return ensembleScores(votes, weights, per[0]!.scores);
    });
}

/** Whether query i (triple ⌊i/2⌋, tail then head) has a counterpart of its anchor in language m. */
function availability(triples: Triples, cp: Int32Array | undefined): Uint8Array {
  const out = new Uint8Array(triples.h.length * 2);
  for (let i = 0; i < triples.h.length; i++) {
    out[2 * i] = !cp || cp[triples.h[i]!]! >= 0 ? 1 : 0;
    out[2 * i + 1] = !cp || cp[triples.t[i]!]! >= 0 ? 1 : 0;
  }
  return out;
}

/** MRR of each language's model on the validation queries where it has a counterpart (KEnS's MRR weights). */
export async function languageMrr(view: KensView, valid: Triples, known: KnownAnswers, batchSize: number, shouldStop?: () => boolean): Promise<number[]> {
  const out: number[] = [];
  for (const m of view.graph.languages.keys()) {
    const ranked = await rankFiltered(languageScorer(view, m), valid, view.graph.graphs[0]!.entities.length, known, { batchSize, shouldStop });
    const avail = availability(valid, view.cps[m]);
    const ranks: number[] = [];
    const cands: number[] = [];
    avail.forEach((a, i) => {
      if (a) {
        ranks.push(ranked.ranks[i]!);
        cands.push(ranked.candidates[i]!);
      }
    });
    out.push(rankingMetrics(ranks, cands).mrr);
  }
  return out;
}

/** RankBoost weights of the languages' models from their top-k votes on validation queries. */
export async function boostWeights(view: KensView, valid: Triples, topK: number, rounds: number, batchSize: number, shouldStop?: () => boolean): Promise<number[]> {
  const graph = view.graph;
  const queries: BoostQuery[] = [];
  const models = graph.languages.length;
  const n = graph.graphs[0]!.entities.length;
  for (let s = 0; s < valid.h.length; s += batchSize) {
    const e = Math.min(valid.h.length, s + batchSize);
    for (const direction of ['tail', 'head'] as const) {
      const anchors = (direction === 'tail' ? valid.h : valid.t).subarray(s, e);
      const answers = (direction === 'tail' ? valid.t : valid.h).subarray(s, e);
      const votes = tf.tidy(() => {
        const a = tf.tensor1d(anchors, 'int32');
        const r = tf.tensor1d(valid.r.subarray(s, e), 'int32');
        return tf.stack(graph.languages.map((_, m) => {
          const p = languageScores(view, m, direction, a, r);
          return topKVotes(p.scores, topK, p.available, p.candidates);
        })).dataSync();
      });
      const b = e - s;
      for (let i = 0; i < b; i++) {
        const vote = (m: number, c: number): number => votes[(m * b + i) * n + c]!;
        const answer = Array.from({ length: models }, (_, m) => vote(m, answers[i]!));
        const others: number[][] = [];
        for (let c = 0; c < n; c++) {
          if (c === answers[i]) continue;
          let any = false;
          for (let m = 0; m < models && !any; m++) any = vote(m, c) > 0;
          if (any) others.push(Array.from({ length: models }, (_, m) => vote(m, c)));
        }
        queries.push({ answer, others, unvoted: n - 1 - others.length });
      }
      await checkStop(shouldStop, 'RankBoost weighting');
    }
  }
  return rankBoostWeights(queries, models, rounds);
}

/** The weights of an ensemble rule. */
export function ruleWeights(rule: EnsembleRule, mrr: readonly number[], boost: readonly number[]): number[] {
  return rule === 'majority' ? mrr.map(() => 1) : rule === 'mrr-weighted' ? [...mrr] : [...boost];
}
