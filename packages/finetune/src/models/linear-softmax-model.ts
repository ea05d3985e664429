import * as tf from '@tensorflow/tfjs';
import type { Rng, WeightedModel } from '@kt/core';

/**
 * Version of the model's code. Teacher caches are keyed by it: bump it whenever a change to this file
 * changes what a set of weights computes, so teachers trained by the old code are trained again.
 */
export const FINETUNE_MODEL_VERSION = 'linear-softmax/1';

/**
 * p(y | x) = softmax(x·W + b): the smallest model that is a distribution over classes. It has no role
 * of its own: a task makes it the learner with `asLearner(model)` or a teacher with `asTeacher(model)`.
 */
export class LinearSoftmaxModel implements WeightedModel {
  private readonly w: tf.Variable;
  private readonly b: tf.Variable;

  /** Weights drawn from N(0, scale²) with `rng`, bias zero. */
  constructor(
    readonly features: number,
    readonly classes: number,
    rng: Rng,
    scale: number,
  ) {
    const init = new Float32Array(features * classes);
    for (let i = 0; i < init.length; i++) init[i] = rng.normal() * scale;
    this.w = tf.tidy(() => tf.variable(tf.tensor2d(init, [features, classes])));
    this.b = tf.tidy(() => tf.variable(tf.zeros([classes])));
  }

  /** Unnormalised log-probabilities, `[rows, classes]`. */
  logits(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(x, this.w), this.b));
  }

  trainableVariables(): tf.Variable[] {
    return [this.w, this.b];
  }

  /** Copies under stable names (checkpoints and teacher runs store the weights under them); the caller disposes them. */
  getWeights(): Map<string, tf.Tensor> {
    return new Map<string, tf.Tensor>([
      ['w', this.w.clone()],
      ['b', this.b.clone()],
    ]);
  }

  setWeights(weights: Map<string, tf.Tensor>): void {
    for (const [key, variable] of [
      ['w', this.w],
      ['b', this.b],
    ] as const) {
      const value = weights.get(key);
      if (value === undefined) throw new Error(`no weight "${key}" to set`);
      if (!tf.util.arraysEqual(value.shape, variable.shape)) {
        throw new Error(`weight "${key}" has shape [${value.shape.join(', ')}], expected [${variable.shape.join(', ')}]`);
      }
      variable.assign(value);
    }
  }

  parameterCount(): number {
    return this.w.size + this.b.size;
  }

  dispose(): void {
    this.w.dispose();
    this.b.dispose();
  }
}
