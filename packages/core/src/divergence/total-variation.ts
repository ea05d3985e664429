import * as tf from '@tensorflow/tfjs';
import { makeTokenDivergence } from './make-token-divergence';
import type { TokenDivergence } from './divergence-options';

/**
 * Total variation distance 0.5·Σ_v |p_t − p_l| ∈ [0, 1] (times τ²). |d| is written d·sign(d) so that its
 * derivative at d = 0 is sign(0) = 0, as in PyTorch (tfjs's `abs` gradient is −1 at 0).
 */
export const totalVariation: TokenDivergence = makeTokenDivergence('totalVariation', (logPt, logPl) => {
  const diff = tf.sub(tf.exp(logPt), tf.exp(logPl));
  return tf.mul(tf.sum(tf.mul(diff, tf.sign(diff)), -1), 0.5);
});
