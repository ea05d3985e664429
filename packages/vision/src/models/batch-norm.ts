import * as tf from '@tensorflow/tfjs';
import { batchNorm as batchNormOp, stopGradient } from '@kt/core';
import type { ForwardContext } from './classifier-model';

/**
 * A BatchNorm layer's weights: scale γ and shift β (trainable), and running mean and variance (state:
 * checkpointed with the weights, never optimised). Normalises over every axis but the last (channels).
 */
export interface BatchNormParams {
  /** Layer name, e.g. `stage1/block0/bn1`: its weights are `<name>/{gamma,beta,runningMean,runningVariance}`. */
  readonly name: string;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVariance: tf.Variable;
  /** Weight of the new batch in the running update (PyTorch's convention: running ← (1 − m)·running + m·batch). */
  readonly momentum: number;
  readonly epsilon: number;
}

/** One BatchNorm layer's input statistics over a batch (per channel), beside the layer's running statistics. */
export interface BatchNormStats {
  readonly layer: string;
  /** Mean of the layer's input over (n, h, w): differentiable w.r.t. the input. */
  readonly mean: tf.Tensor1D;
  /** Biased (population) variance of the layer's input over (n, h, w), as PyTorch's `var(unbiased=False)`. */
  readonly variance: tf.Tensor1D;
  /** The layer's running mean (its variable: not owned by the caller). */
  readonly runningMean: tf.Variable;
  readonly runningVariance: tf.Variable;
}

export const DEFAULT_BN_MOMENTUM = 0.1;
export const DEFAULT_BN_EPSILON = 1e-5;

/**
 * BatchNorm of `x` ([..., channels]) through core's batchNorm op (one native kernel forward and one backward on
 * wasm + @kt/native). Training: normalises with the batch's mean and biased variance and moves the running
 * statistics towards them (the variance with Bessel's correction n/(n − 1), as PyTorch does); eval: normalises with
 * the running statistics. When `ctx.stats` is given the batch statistics are appended to it (also in eval mode:
 * DeepInversion compares them with the running ones); gradients flow through them to the input.
 */
export function batchNorm<T extends tf.Tensor>(x: T, params: BatchNormParams, ctx: ForwardContext): T {
  const { y, mean, variance } = batchNormOp(x, params.gamma, params.beta, {
    training: ctx.training,
    epsilon: params.epsilon,
    runningMean: params.runningMean,
    runningVariance: params.runningVariance,
    batchStats: ctx.stats !== undefined,
  });
  if (ctx.stats && mean && variance) {
    ctx.stats.push({ layer: params.name, mean, variance, runningMean: params.runningMean, runningVariance: params.runningVariance });
  }
  if (ctx.training && mean && variance) {
    const count = x.size / x.shape[x.rank - 1]!;
    const m = params.momentum;
    tf.tidy(() => {
      const bessel = count > 1 ? count / (count - 1) : 1;
      params.runningMean.assign(tf.add(tf.mul(params.runningMean, 1 - m), tf.mul(stopGradient(mean), m)));
      params.runningVariance.assign(tf.add(tf.mul(params.runningVariance, 1 - m), tf.mul(stopGradient(variance), m * bessel)));
    });
  }
  return y as T;
}
