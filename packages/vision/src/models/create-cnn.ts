import * as tf from '@tensorflow/tfjs';
import { linear } from '@kt/core';
import { ClassifierModel, VariableClassifier, type ForwardContext } from './classifier-model';
import { assertPositiveInts } from './create-mlp';
import { glorotUniform, heNormal, weightStream, zeros } from './initializers';

export interface CnnOptions {
  /** Per-example [height, width, channels], e.g. [28, 28, 1] or [8, 8, 1]. Flat [n, h*w*c] inputs are reshaped. */
  inputShape: number[];
  /** Output channels of each block: conv 3x3 (same padding) + ReLU + max-pool 2x2 (stride 2, valid). */
  channels: number[];
  /** Width of the hidden dense (ReLU) layer after flattening. */
  dense: number;
  numClasses: number;
  seed: number;
  name?: string;
}

/**
 * Small CNN from explicit variables (see create-mlp.ts for why not tf.layers).
 * Weights: conv<i>/{kernel [3,3,in,out], bias}, dense0/{kernel,bias}, output/{kernel,bias}.
 */
export function createCnn(options: CnnOptions): ClassifierModel {
  return new Cnn(options);
}

class Cnn extends VariableClassifier {
  private readonly convs: Array<{ kernel: tf.Variable; bias: tf.Variable }> = [];
  private readonly hidden: { kernel: tf.Variable; bias: tf.Variable };
  private readonly output: { kernel: tf.Variable; bias: tf.Variable };
  private readonly flatSize: number;

  constructor(options: CnnOptions) {
    const { inputShape, channels, dense, numClasses, seed, name = 'cnn' } = options;
    if (inputShape.length !== 3) throw new RangeError(`inputShape must be [height, width, channels], got [${inputShape.join(', ')}]`);
    assertPositiveInts('inputShape', inputShape);
    assertPositiveInts('channels', channels);
    assertPositiveInts('dense', [dense]);
    assertPositiveInts('numClasses', [numClasses]);
    super(name, [...inputShape], numClasses);
    let [h, w, c] = inputShape;
    channels.forEach((out, i) => {
      if (h < 2 || w < 2) {
        throw new RangeError(`${name}: block ${i} would pool a ${h}x${w} map; too many conv blocks for input [${inputShape.join(', ')}]`);
      }
      const key = `conv${i}`;
      this.convs.push({
        kernel: this.addWeight(`${key}/kernel`, heNormal(9 * c * out, 9 * c, weightStream(seed, 'conv', i)), [3, 3, c, out]),
        bias: this.addWeight(`${key}/bias`, zeros(out), [out]),
      });
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
      c = out;
    });
    this.flatSize = h * w * c;
    this.hidden = {
      kernel: this.addWeight('dense0/kernel', heNormal(this.flatSize * dense, this.flatSize, weightStream(seed, 'dense', 0)), [this.flatSize, dense]),
      bias: this.addWeight('dense0/bias', zeros(dense), [dense]),
    };
    this.output = {
      kernel: this.addWeight('output/kernel', glorotUniform(dense * numClasses, dense, numClasses, weightStream(seed, 'output')), [dense, numClasses]),
      bias: this.addWeight('output/bias', zeros(numClasses), [numClasses]),
    };
  }

  protected compute(x: tf.Tensor, _ctx: ForwardContext): tf.Tensor2D {
    let h = this.reshapeInput(x, this.inputShape) as tf.Tensor4D;
    for (const conv of this.convs) {
      // One FusedConv2D (bias and ReLU in the convolution's output pass where @kt/native runs it).
      h = tf.fused.conv2d({ x: h, filter: conv.kernel as tf.Tensor4D, strides: 1, pad: 'same', bias: conv.bias, activation: 'relu' });
      h = tf.maxPool(h, 2, 2, 'valid');
    }
    const flat = h.reshape([h.shape[0], this.flatSize]) as tf.Tensor2D;
    const hidden = linear(flat, this.hidden.kernel, this.hidden.bias, 'relu');
    return linear(hidden, this.output.kernel, this.output.bias) as tf.Tensor2D;
  }
}
