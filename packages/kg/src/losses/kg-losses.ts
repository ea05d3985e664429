import * as tf from '@tensorflow/tfjs';
import { stopGradient, sequenceNll } from '@kt/core';

/**
 * Losses of KG embedding training, as small pure functions on scores (higher = more plausible).
 * Sampled-negative losses take positive scores [B] and negative scores [B, K]; 1-N losses take
 * logits [B, N] over every entity and the true entity ids [B].
 */

/** Margin ranking (TransE): mean over pairs of max(0, margin − s⁺ + s⁻). */
export function marginRankingLoss(pos: tf.Tensor1D, neg: tf.Tensor2D, margin: number): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.relu(tf.add(tf.sub(margin, tf.expandDims(pos, 1)), neg))) as tf.Scalar);
}

/**
 * Self-adversarial negative sampling (RotatE, Sun et al. 2019, eq. 5): −log σ(s⁺) − Σ_j p_j log σ(−s⁻_j)
 * with p = softmax(α·s⁻) taken as constant weights, the two halves averaged as RotatE's code does
 * (−log σ(x) computed as softplus(−x): tfjs's logSigmoid gradient fails inside a tidy).
 * With the scores γ − d of TransE/RotatE, σ(s) = σ(γ − d) as in the paper.
 */
export function selfAdversarialLoss(pos: tf.Tensor1D, neg: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const weights = stopGradient(tf.softmax(tf.mul(neg, temperature), -1));
    const negative = tf.mean(tf.sum(tf.mul(weights, tf.softplus(neg)), -1));
    const positive = tf.mean(tf.softplus(tf.neg(pos)));
    return tf.div(tf.add(positive, negative), 2) as tf.Scalar;
  });
}

/** Softplus / logistic loss, i.e. binary cross-entropy with label +1 for s⁺ and 0 for s⁻: softplus(−s⁺) + mean_j softplus(s⁻_j), averaged. */
export function softplusLoss(pos: tf.Tensor1D, neg: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.softplus(tf.neg(pos))), tf.mean(tf.softplus(neg))) as tf.Scalar);
}

/**
 * One-hot rows of `targets` over `n` classes, by comparison with a range: tfjs-wasm's OneHot kernel
 * ignores the float32 dtype (it writes int32 bits), which makes core's `sequenceNll` return ~1e-45 on
 * wasm; this works on every backend.
 */
export function oneHotRows(targets: tf.Tensor1D, n: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.equal(tf.expandDims(targets, 1), tf.expandDims(tf.range(0, n, 1, 'int32'), 0)), 'float32') as tf.Tensor2D);
}

/**
 * 1-vs-all cross-entropy over every entity (Lacroix et al. 2018): mean NLL of the true entity under
 * softmax(logits), i.e. core's `sequenceNll` (a gather, so tfjs-wasm's OneHot defect does not reach it).
 */
export function oneVsAllCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return sequenceNll(logits, targets) as tf.Scalar;
}

/** 1-N binary cross-entropy (ConvE's loss): every entity a Bernoulli label, 1 for the true one, with label smoothing ε. */
export function oneVsAllBce(logits: tf.Tensor2D, targets: tf.Tensor1D, labelSmoothing = 0): tf.Scalar {
  return tf.tidy(() => {
    const labels = oneHotRows(targets, logits.shape[1]);
    return tf.losses.sigmoidCrossEntropy(labels, logits, undefined, labelSmoothing) as tf.Scalar;
  });
}

/** N3 (Lacroix et al. 2018): weight · Σ |x|³ over the batch's embedding rows, per triple. */
export function n3Regularizer(factors: tf.Tensor[], weight: number, batch: number): tf.Scalar {
  return tf.tidy(() => tf.mul(weight / batch, tf.addN(factors.map((f) => tf.sum(tf.pow(tf.abs(f), 3))))) as tf.Scalar);
}

/** L2: weight · Σ x² over the batch's embedding rows, per triple. */
export function l2Regularizer(factors: tf.Tensor[], weight: number, batch: number): tf.Scalar {
  return tf.tidy(() => tf.mul(weight / batch, tf.addN(factors.map((f) => tf.sum(tf.square(f))))) as tf.Scalar);
}
