import * as tf from '@tensorflow/tfjs';
import { broadcastAll } from './distance-all';
import type { Direction, KgScorer } from './kg-scorer';

const EPS = 1e-9;

/**
 * RotatE (Sun et al. 2019): entities in ℂ^k stored as [re | im] (width 2k), relations as phases θ ∈
 * ℝ^k, score(h, r, t) = γ − Σ_i |h_i·e^{iθ_i} − t_i|. As a query: q = h∘e^{iθ} against tails,
 * q = t∘e^{−iθ} against heads (|e^{iθ}| = 1, so |h r − t| = |h − t r̄|).
 */
export function rotateScorer(k: number, gamma: number): KgScorer {
  const pair = (q: tf.Tensor, e: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      // |q_i − e_i|² = (Δre)² + (Δim)²: one broadcast difference of the [re | im] rows, squared, and its
      // halves added (slices; tfjs-wasm's SplitV copied element by element: docs/results/kg.md).
      const sq = tf.square(tf.sub(q, e));
      const rank = sq.rank;
      const begin = (at: number): number[] => [...(new Array(rank - 1).fill(0) as number[]), at];
      const size = [...(new Array(rank - 1).fill(-1) as number[]), k];
      const modulus = tf.sqrt(tf.add(tf.add(tf.slice(sq, begin(0), size), tf.slice(sq, begin(k), size)), EPS));
      return tf.sub(gamma, tf.sum(modulus, -1));
    });
  return {
    entityWidth: 2 * k,
    relationWidth: k,
    initRange: { entity: (gamma + 2) / k, relation: Math.PI },
    query: (direction: Direction, anchor, phase) =>
      tf.tidy(() => {
        const [ar, ai] = tf.split(anchor, 2, -1);
        const c = tf.cos(phase);
        const s = direction === 'tail' ? tf.sin(phase) : tf.neg(tf.sin(phase));
        return tf.concat([tf.sub(tf.mul(ar!, c), tf.mul(ai!, s)), tf.add(tf.mul(ar!, s), tf.mul(ai!, c))], -1);
      }),
    pair,
    all: (q, entities) => broadcastAll(q, entities, pair),
  };
}
