import * as tf from '@tensorflow/tfjs';
import { conditionOf, stopGradient } from './stop-gradient';

/**
 * log(w·p + (1−w)·q) elementwise from a = log p and b = log q, stable for any a, b in [−∞, ∞):
 *   m = max(a, b) (held constant for differentiation: the total derivative w.r.t. m is 0),
 *   log M = m + log1p(w·expm1(a − m) + (1−w)·expm1(b − m)).
 * Both a − m and b − m are ≤ 0, so nothing overflows; the log1p argument lies in (−1, 0]. When a = b
 * the argument is exactly 0, so log M = log p exactly and a divergence of equal distributions is exactly
 * 0. The gradient is the exact pair (w·p, (1−w)·q) / M, also at ties. a = −∞ gives log(1−w) + b and
 * b = −∞ gives log(w) + a (expm1(−∞) = −1). Both −∞ give −∞, computed on zeros so that neither the
 * value (−∞ − −∞) nor the gradient (0·∞ in log1p at −1) is NaN; the gradient there is 0.
 * w = 1 and w = 0 return log p and log q themselves (no log 0).
 */
export function logMixture(logP: tf.Tensor, logQ: tf.Tensor, w: number): tf.Tensor {
  if (w === 1) return logP;
  if (w === 0) return logQ;
  const max = tf.maximum(logP, logQ);
  const empty = conditionOf(max, (x) => tf.equal(x, -Infinity));
  const zeros = tf.zerosLike(max);
  const a = tf.where(empty, zeros, logP);
  const b = tf.where(empty, zeros, logQ);
  const m = stopGradient(tf.where(empty, zeros, max));
  const inner = tf.add(tf.mul(tf.expm1(tf.sub(a, m)), w), tf.mul(tf.expm1(tf.sub(b, m)), 1 - w));
  return tf.where(empty, tf.fill(max.shape, -Infinity), tf.add(m, tf.log1p(inner)));
}
