import { dropout, linear, Rng } from '@kt/core';
import * as tf from '@tensorflow/tfjs';
import { ClassifierModel, VariableClassifier, type ForwardContext } from './classifier-model';
import { DROPOUT_STREAM, glorotUniform, heNormal, weightStream, zeros } from './initializers';

/*
 * Why explicit tf.variable weights and tf ops instead of tf.layers: tf.layers names its variables
 * from a global counter (dense_Dense3/kernel, ...) that depends on how many layers were built before
 * in the process, and seeds its initializers only per layer through options; here names are the
 * stable keys a checkpoint needs, every weight's initial values are a pure function of (seed, key,
 * shape), and a model is nothing but its variables, so the teacher's and the learner's are trivially
 * separate lists.
 */

export interface MlpOptions {
  /** Input features per example (inputs of any shape [n, ...] with that many values are flattened). */
  inputSize: number;
  /** Hidden layer widths (ReLU); [] gives logistic regression. */
  hidden: number[];
  numClasses: number;
  /** Dropout rate after each hidden layer when training (default 0). */
  dropout?: number;
  seed: number;
  name?: string;
}

/** Multi-layer perceptron: (dense + ReLU + dropout)* then a dense logits layer. Weights: dense<i>/{kernel,bias}, output/{kernel,bias}. */
export function createMlp(options: MlpOptions): ClassifierModel {
  return new Mlp(options);
}

class Mlp extends VariableClassifier {
  private readonly layers: Array<{ kernel: tf.Variable; bias: tf.Variable; relu: boolean }> = [];
  private readonly dropout: number;
  private readonly dropoutRandom: Rng;

  constructor(options: MlpOptions) {
    const { inputSize, hidden, numClasses, seed, dropout = 0, name = 'mlp' } = options;
    assertPositiveInts('inputSize', [inputSize]);
    assertPositiveInts('hidden', hidden);
    assertPositiveInts('numClasses', [numClasses]);
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`dropout must be in [0, 1), got ${dropout}`);
    super(name, [inputSize], numClasses);
    this.dropout = dropout;
    this.dropoutRandom = Rng.derive(seed, DROPOUT_STREAM);
    const widths = [inputSize, ...hidden, numClasses];
    for (let i = 0; i + 1 < widths.length; i++) {
      const [fanIn, fanOut] = [widths[i], widths[i + 1]];
      const isOutput = i + 1 === widths.length - 1;
      const prefix = isOutput ? 'output' : `dense${i}`;
      const kernelValues = isOutput
        ? glorotUniform(fanIn * fanOut, fanIn, fanOut, weightStream(seed, 'output'))
        : heNormal(fanIn * fanOut, fanIn, weightStream(seed, 'dense', i));
      this.layers.push({
        kernel: this.addWeight(`${prefix}/kernel`, kernelValues, [fanIn, fanOut]),
        bias: this.addWeight(`${prefix}/bias`, zeros(fanOut), [fanOut]),
        relu: !isOutput,
      });
    }
  }

  protected compute(x: tf.Tensor, { training, dropoutSeed }: ForwardContext): tf.Tensor2D {
    let h = this.reshapeInput(x, this.inputShape) as tf.Tensor2D;
    this.layers.forEach((layer, i) => {
      h = linear(h, layer.kernel, layer.bias, layer.relu ? 'relu' : undefined) as tf.Tensor2D;
      if (layer.relu && training && this.dropout > 0) {
        // core's dropout: the mask is a function of (seed, element), drawn in place by KtDropout on wasm + native.
        const seed = dropoutSeed === undefined ? this.dropoutRandom.seed() : Rng.derive(dropoutSeed, DROPOUT_STREAM, i).seed();
        h = dropout(h, this.dropout, seed) as tf.Tensor2D;
      }
    });
    return h;
  }
}

export function assertPositiveInts(what: string, values: readonly number[]): void {
  for (const v of values) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what} must be positive integers, got ${JSON.stringify(values)}`);
  }
}
