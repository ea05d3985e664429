import * as tf from '@tensorflow/tfjs';
import { createOptimizer, linear, Rng, sequenceNll } from '@kt/core';
import { variableOf } from './tred-disentangler';

/** A linear classifier over frozen features: logits = f·W + b. Its tensors are owned by whoever fitted it. */
export interface FittedHead {
  readonly kernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
  /** Accuracy on the examples it was fitted on. */
  readonly trainAccuracy: number;
  logits(features: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

export interface FitHeadOptions {
  readonly steps?: number;
  readonly lr?: number;
  readonly seed?: number;
}

/**
 * Fits a linear softmax head to `labels` over frozen `features` [n·d] (full-batch Adam, core's `createOptimizer`, on
 * the cross-entropy, core's `sequenceNll`, from a seeded small init): how the pre-trained model gets target-class logits for the KD
 * regulariser and DELTA's channel importance, since its own head predicts source classes.
 */
export function fitHead(features: Float32Array, labels: Int32Array, classes: number, options: FitHeadOptions = {}): FittedHead {
  const { steps = 300, lr = 0.05, seed = 0 } = options;
  const n = labels.length;
  const d = features.length / n;
  const rng = Rng.derive(seed, 0x4ead);
  const kernel = variableOf(Float32Array.from(rng.normals(d * classes, 0.01)), [d, classes]);
  const bias = variableOf(new Float32Array(classes), [classes]);
  const optimizer = createOptimizer({ optimizer: 'adam', lr });
  const x = tf.tensor2d(features, [n, d]);
  const y = tf.tensor1d(labels, 'int32');
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      optimizer.minimize(() => sequenceNll(linear(x, kernel, bias), y) as tf.Scalar, false, [kernel, bias]);
    });
  }
  const trainAccuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(linear(x, kernel, bias), -1), y), 'float32')).dataSync()[0]!);
  optimizer.dispose();
  tf.dispose([x, y]);
  const k = tf.keep(kernel.clone()) as tf.Tensor2D;
  const b = tf.keep(bias.clone()) as tf.Tensor1D;
  kernel.dispose();
  bias.dispose();
  return {
    kernel: k,
    bias: b,
    trainAccuracy,
    logits: (f) => linear(f, k, b) as tf.Tensor2D,
    dispose: () => tf.dispose([k, b]),
  };
}
