import * as tf from '@tensorflow/tfjs';
import type { Direction, KgScorer } from './kg-scorer';

/**
 * ComplEx (Trouillon et al. 2016): entities and relations in ℂ^k as [re | im], score = Re⟨h, r, t̄⟩
 * = Σ hr·rr·tr + hi·rr·ti + hr·ri·ti − hi·ri·tr. Against tails q = h∘r, against heads q = t∘r̄ (then
 * the score is the real dot product of [qr | qi] with the candidate), so 1-N = q·Eᵀ.
 */
export function complexScorer(k: number): KgScorer {
  return {
    entityWidth: 2 * k,
    relationWidth: 2 * k,
    initRange: { entity: 1 / Math.sqrt(k), relation: 1 / Math.sqrt(k) },
    query: (direction: Direction, anchor, relation) =>
      tf.tidy(() => {
        const [ar, ai] = tf.split(anchor, 2, -1);
        const [rr, ri0] = tf.split(relation, 2, -1);
        const ri = direction === 'tail' ? ri0! : tf.neg(ri0!);
        return tf.concat([tf.sub(tf.mul(ar!, rr!), tf.mul(ai!, ri)), tf.add(tf.mul(ar!, ri), tf.mul(ai!, rr!))], -1);
      }),
    pair: (q, e) => tf.sum(tf.mul(q, e), -1),
    all: (q, entities) => tf.matMul(q, entities, false, true),
  };
}
