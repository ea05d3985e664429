import * as tf from '@tensorflow/tfjs';
import { Rng, type WeightedModel, embeddingLookup } from '@kt/core';
import type { Direction, KgScorer } from './kg-scorer';
import { scorerOf } from './model-registry';
import type { ModelSpec } from './model-spec';

/** Bump when a model's math or weight layout changes, so cached teachers are retrained. */
export const KG_MODEL_VERSION = 'kg-1';

function uniform(rows: number, cols: number, range: number, rng: Rng): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * range;
  return out;
}

/** A block of entity rows (one language of a multilingual table). */
export interface EntityRange {
  start: number;
  size: number;
}

function variableOf(values: Float32Array, shape: [number, number]): tf.Variable {
  const init = tf.tensor2d(values, shape);
  const v = tf.variable(init, true);
  init.dispose();
  return v;
}

/**
 * An embedding model over a graph: an entity table [N, De] and a relation table [M, Dr] (tfjs
 * variables, initialised uniformly from core's Rng) scored by the scorer of `spec.kind`. Weight
 * names (checkpoints) are `<name>/entity` and `<name>/relation`; the tfjs variables themselves get
 * unique engine names, so several models may be alive at once.
 */
export class KgModel implements WeightedModel {
  readonly scorer: KgScorer;
  readonly entity: tf.Variable;
  readonly relation: tf.Variable;

  constructor(
    readonly spec: ModelSpec,
    readonly numEntities: number,
    readonly numRelations: number,
    seed: number,
    readonly name = 'kg',
  ) {
    this.scorer = scorerOf(spec);
    const rng = Rng.derive(seed, 0x6b67);
    const range = this.scorer.initRange;
    const eRange = spec.init ?? range.entity;
    const rRange = spec.kind === 'rotate' ? range.relation : (spec.init ?? range.relation);
    this.entity = variableOf(uniform(numEntities, this.scorer.entityWidth, eRange, rng), [numEntities, this.scorer.entityWidth]);
    this.relation = variableOf(uniform(numRelations, this.scorer.relationWidth, rRange, rng), [numRelations, this.scorer.relationWidth]);
  }

  /** Scores of triples given as int32 id tensors of one shape (or broadcastable: [B, 1] against [B, K]). */
  scoreTriples(h: tf.Tensor, r: tf.Tensor, t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const q = this.scorer.query('tail', embeddingLookup(this.entity, h), embeddingLookup(this.relation, r));
      return this.scorer.pair(q, embeddingLookup(this.entity, t));
    });
  }

  /**
   * Scores [B, K] of sampled negatives: positive i = (h_i, r_i, t_i) with its head (`corruptHead[i]` = 1) or
   * its tail replaced by each of `corrupted[i, :]`. Equal to `scoreTriples` of the corrupted triples, but
   * the query is built once per positive — from the tail (direction head) where the head was replaced —
   * and scored against the [B, K] candidates, so RotatE's rotation (sin, cos) and ComplEx's product run
   * on B rows, not B·K.
   */
  scoreNegatives(h: tf.Tensor1D, r: tf.Tensor1D, t: tf.Tensor1D, corrupted: tf.Tensor2D, corruptHead: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      const rel = embeddingLookup(this.relation, r);
      const tailQuery = this.scorer.query('tail', embeddingLookup(this.entity, h), rel);
      const headQuery = this.scorer.query('head', embeddingLookup(this.entity, t), rel);
      const m = tf.expandDims(tf.cast(corruptHead, 'float32'), 1);
      const q = tf.add(tf.mul(headQuery, m), tf.mul(tailQuery, tf.sub(1, m)));
      return this.scorer.pair(tf.expandDims(q, 1), embeddingLookup(this.entity, corrupted)) as tf.Tensor2D;
    });
  }

  /**
   * 1-N: scores [B, C] of (anchor, relation, every candidate) for direction tail, of (every candidate,
   * relation, anchor) for head; the candidates are every entity, or the rows `range.start ..
   * range.start + range.size − 1` (one language of a multilingual table).
   */
  scoreAll(direction: Direction, anchor: tf.Tensor1D, relation: tf.Tensor1D, range?: EntityRange): tf.Tensor2D {
    return tf.tidy(() => {
      const q = this.scorer.query(direction, embeddingLookup(this.entity, anchor), embeddingLookup(this.relation, relation)) as tf.Tensor2D;
      const candidates = range ? tf.slice(this.entity, [range.start, 0], [range.size, -1]) : this.entity;
      return this.scorer.all(q, candidates as tf.Tensor2D);
    });
  }

  /** 1-N against chosen rows: scores [B, C] of each query against the entity rows `candidates` [C] (int32), in that order. */
  scoreCandidates(direction: Direction, anchor: tf.Tensor1D, relation: tf.Tensor1D, candidates: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      const q = this.scorer.query(direction, embeddingLookup(this.entity, anchor), embeddingLookup(this.relation, relation)) as tf.Tensor2D;
      return this.scorer.all(q, embeddingLookup(this.entity, candidates) as tf.Tensor2D);
    });
  }

  /** The embedding rows of a batch (for N3 / L2 regularisation). */
  factors(h: tf.Tensor, r: tf.Tensor, t: tf.Tensor): tf.Tensor[] {
    return [embeddingLookup(this.entity, h), embeddingLookup(this.relation, r), embeddingLookup(this.entity, t)];
  }

  trainableVariables(): tf.Variable[] {
    return [this.entity, this.relation];
  }

  getWeights(): Map<string, tf.Tensor> {
    return new Map([
      [`${this.name}/entity`, tf.clone(this.entity)],
      [`${this.name}/relation`, tf.clone(this.relation)],
    ]);
  }

  setWeights(weights: Map<string, tf.Tensor>): void {
    for (const [key, v] of [
      [`${this.name}/entity`, this.entity],
      [`${this.name}/relation`, this.relation],
    ] as const) {
      const w = weights.get(key);
      if (!w) throw new Error(`no weight named ${key} (have: ${[...weights.keys()].join(', ')})`);
      if (!tf.util.arraysEqual(w.shape, v.shape)) throw new Error(`${key}: shape [${w.shape.join(', ')}] does not fit [${v.shape.join(', ')}]`);
      v.assign(w);
    }
  }

  parameterCount(): number {
    return this.entity.size + this.relation.size;
  }

  dispose(): void {
    this.entity.dispose();
    this.relation.dispose();
  }
}
