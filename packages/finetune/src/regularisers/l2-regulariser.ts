import * as tf from '@tensorflow/tfjs';
import type { RegulariserDefinition } from './regulariser';

/** ½ Σ ‖w‖² over `variables`. */
export function l2Penalty(variables: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.addN(variables.map((v) => tf.sum(tf.square(v)))), 0.5) as tf.Scalar);
}

/** L2 toward zero over every weight of the learner (weight decay as a loss term). */
export const l2Regulariser: RegulariserDefinition<'l2'> = {
  name: 'l2',
  description: '½‖w‖² over every weight (toward zero)',
  issues: () => [],
  create: (_cfg, setup) => ({ name: 'l2', penalty: () => l2Penalty(setup.learner.trainableVariables()), dispose: () => undefined }),
};
