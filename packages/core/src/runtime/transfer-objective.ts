import * as tf from '@tensorflow/tfjs';
import type { TransferConfig } from '../config/experiment-schema';
import type { TransferObjective } from '../contracts/objective';
import { getDivergence, type DivergenceOptions } from '../divergence';

/** The divergence's own parameters of a `transfer` section (β for jsd, the skew weight for skew KL). */
function divergenceParameters(config: TransferConfig): Pick<DivergenceOptions, 'beta' | 'skew'> {
  switch (config.divergence) {
    case 'jsd':
      return { beta: config.beta };
    case 'skew-forward':
    case 'skew-backward':
      return { skew: config.skew };
    default:
      return {};
  }
}

/** Builds the objective a config's `transfer` section describes. */
export function createTransferObjective(config: TransferConfig): TransferObjective {
  const divergence = getDivergence(config.divergence);
  const parameters = divergenceParameters(config);
  return {
    divergence: config.divergence,
    temperature: config.temperature,
    alpha: config.alpha,
    lambda: config.lambda,
    distill: (teacherLogits, learnerLogits, mask) =>
      divergence(teacherLogits, learnerLogits, {
        temperature: config.temperature,
        mask,
        reduction: 'mean',
        ...parameters,
      }) as tf.Scalar,
    combine: (taskLoss, kdLoss) => {
      if (taskLoss && kdLoss) return tf.tidy(() => tf.add(tf.mul(taskLoss, config.alpha), tf.mul(kdLoss, 1 - config.alpha)));
      const only = taskLoss ?? kdLoss;
      if (!only) throw new Error('TransferObjective.combine needs a task loss or a distillation loss');
      return only;
    },
    isOnPolicy: (u) => u < config.lambda,
  };
}
