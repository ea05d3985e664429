import type * as tf from '@tensorflow/tfjs';

/** Which end of a triple a query predicts: `tail` scores (h, r, ?), `head` scores (?, r, t). */
export type Direction = 'tail' | 'head';

/**
 * The math of one embedding model, on embeddings (not ids). Every model is written as a query
 * q(anchor, relation) scored against candidate entity embeddings, so the score of a triple, of a
 * triple against sampled negatives, and of a query against every entity (1-N) are one function.
 */
export interface KgScorer {
  /** Width of an entity embedding row and of a relation row. */
  readonly entityWidth: number;
  readonly relationWidth: number;
  /** q for predicting the other end: from the head (direction tail) or the tail (direction head); shapes broadcast. */
  query(direction: Direction, anchor: tf.Tensor, relation: tf.Tensor): tf.Tensor;
  /** Scores of q against candidates e, elementwise over the leading axes (broadcasting), reduced over the last. Higher is better. */
  pair(q: tf.Tensor, e: tf.Tensor): tf.Tensor;
  /** 1-N: queries [B, De] against every entity [N, De] → [B, N], equal to `pair` of every (query, entity). */
  all(q: tf.Tensor2D, entities: tf.Tensor2D): tf.Tensor2D;
  /** Default half-width of the uniform initialisation of entity and relation rows. */
  readonly initRange: { entity: number; relation: number };
}
