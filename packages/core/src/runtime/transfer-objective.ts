import * as tf from '@tensorflow/tfjs';
import type { TransferConfig } from '../config/experiment-schema';
import type { TransferObjective } from '../contracts/objective';
import { getDivergence } from '../divergence';

/** Builds the objective a config's `transfer` section describes. */
export function createTransferObjective(config: TransferConfig): TransferObjective {
  const divergence = getDivergence(config.divergence);
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
        beta: config.beta,
        skew: config.skew,
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
