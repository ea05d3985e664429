import * as tf from '@tensorflow/tfjs';
import { broadcastAll } from './distance-all';
import type { Direction, KgScorer } from './kg-scorer';

/** Keeps sqrt differentiable where a distance is 0. */
const EPS = 1e-9;

/**
 * TransE (Bordes et al. 2013): score(h, r, t) = γ − ‖h + r − t‖_p, p = 1 or 2. As a query: q = h + r
 * against tails, q = t − r against heads. For p = 2 the 1-N scores are a matrix product:
 * ‖q − e‖² = ‖q‖² − 2 q·e + ‖e‖².
 */
export function transeScorer(dim: number, norm: 1 | 2, gamma: number): KgScorer {
  const pair = (q: tf.Tensor, e: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const diff = tf.sub(q, e);
      const dist = norm === 1 ? tf.sum(tf.abs(diff), -1) : tf.sqrt(tf.add(tf.sum(tf.square(diff), -1), EPS));
      return tf.sub(gamma, dist);
    });
  return {
    entityWidth: dim,
    relationWidth: dim,
    initRange: { entity: (gamma + 2) / dim, relation: (gamma + 2) / dim },
    query: (direction: Direction, anchor, relation) => (direction === 'tail' ? tf.add(anchor, relation) : tf.sub(anchor, relation)),
    pair,
    all: (q, entities) => {
      if (norm === 1) return broadcastAll(q, entities, pair);
      return tf.tidy(() => {
        const qq = tf.sum(tf.square(q), -1, true);
        const ee = tf.reshape(tf.sum(tf.square(entities), -1), [1, -1]);
        const sq = tf.relu(tf.add(tf.sub(qq, tf.mul(2, tf.matMul(q, entities, false, true))), ee));
        return tf.sub(gamma, tf.sqrt(tf.add(sq, EPS))) as tf.Tensor2D;
      });
    },
  };
}
