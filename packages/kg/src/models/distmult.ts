import * as tf from '@tensorflow/tfjs';
import type { KgScorer } from './kg-scorer';

/** DistMult (Yang et al. 2015): score = Σ h∘r∘t; q = anchor∘r either way (symmetric); 1-N = q·Eᵀ. */
export function distmultScorer(dim: number): KgScorer {
  return {
    entityWidth: dim,
    relationWidth: dim,
    initRange: { entity: 1 / Math.sqrt(dim), relation: 1 / Math.sqrt(dim) },
    query: (_direction, anchor, relation) => tf.mul(anchor, relation),
    pair: (q, e) => tf.sum(tf.mul(q, e), -1),
    all: (q, entities) => tf.matMul(q, entities, false, true),
  };
}
