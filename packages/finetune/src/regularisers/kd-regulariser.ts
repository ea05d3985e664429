import * as tf from '@tensorflow/tfjs';
import type { RegulariserDefinition } from './regulariser';

/** ½ mean_n ‖f − f⁰‖² (features of the learner and the constant starting point). */
export function featureDistance(features: tf.Tensor2D, start: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.mean(tf.sum(tf.square(tf.sub(features, start)), 1)), 0.5) as tf.Scalar);
}

/**
 * The starting point as a teacher. `from: logits`: D(q, p_θ) with q the pre-trained model's `fc` features through a
 * linear head fitted on the target labels (the source head predicts source classes), D and τ from the config's
 * `transfer` (core's divergences: forward, backward, jsd, …). `from: features`: ½‖f − f⁰‖² on the `fc` features.
 */
export const kdRegulariser: RegulariserDefinition<'kd'> = {
  name: 'kd',
  description: 'KD from the pre-trained model (logits through a head fitted on target labels, or features)',
  issues: () => [],
  create(cfg, setup) {
    if (cfg.from === 'features') return { name: 'kd', penalty: (step) => featureDistance(step.learner.features, step.start.features), dispose: () => undefined };
    const head = setup.fittedHead();
    setup.log.info(`kd: head fitted on the target labels over the pre-trained features: train accuracy ${(head.trainAccuracy * 100).toFixed(1)}%`);
    return {
      name: 'kd',
      penalty: (step) => tf.tidy(() => setup.objective.distill(head.logits(step.start.features), step.learner.logits)),
      dispose: () => undefined,
    };
  },
};
