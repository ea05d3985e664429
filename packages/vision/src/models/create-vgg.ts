import * as tf from '@tensorflow/tfjs';
import { linear } from '@kt/core';
import { batchNorm, type BatchNormParams } from './batch-norm';
import { ClassifierModel, VariableClassifier, type ForwardContext } from './classifier-model';
import { assertPositiveInts } from './create-mlp';
import { glorotUniform, heNormal, weightStream, zeros } from './initializers';

export interface VggOptions {
  /** Per-example [height, width, channels]; flat [n, h*w*c] inputs are reshaped. */
  inputShape: number[];
  /** Channels of each block; every block ends with a 2x2 max-pool (stride 2). */
  channels: number[];
  /** 3x3 convolutions per block (default 2). */
  convsPerBlock?: number;
  /** BatchNorm after every convolution (default true); without it the convolutions have a bias. */
  batchNorm?: boolean;
  /** Width of a hidden dense ReLU layer after flattening; 0 (default) goes straight to the logits. */
  dense?: number;
  numClasses: number;
  seed: number;
  name?: string;
  bnMomentum?: number;
}

interface Conv {
  kernel: tf.Variable;
  bias?: tf.Variable;
  bn?: BatchNormParams;
}

/**
 * A small VGG-style CNN (Simonyan & Zisserman 2015): blocks of conv3x3(-BN)-ReLU then max-pool, flatten,
 * optional hidden dense layer, logits. Weights: block<i>/conv<j>/{kernel,bias | bn/*}, dense0/*, output/*.
 */
export function createVgg(options: VggOptions): ClassifierModel {
  return new Vgg(options);
}

class Vgg extends VariableClassifier {
  private readonly blocks: Conv[][] = [];
  private readonly hidden?: { kernel: tf.Variable; bias: tf.Variable };
  private readonly output: { kernel: tf.Variable; bias: tf.Variable };
  private readonly flatSize: number;

  constructor(options: VggOptions) {
    const { inputShape, channels, convsPerBlock = 2, batchNorm: useBn = true, dense = 0, numClasses, seed, name = 'vgg', bnMomentum } = options;
    if (inputShape.length !== 3) throw new RangeError(`inputShape must be [height, width, channels], got [${inputShape.join(', ')}]`);
    assertPositiveInts('inputShape', inputShape);
    assertPositiveInts('channels', channels);
    assertPositiveInts('convsPerBlock', [convsPerBlock]);
    assertPositiveInts('numClasses', [numClasses]);
    if (!Number.isInteger(dense) || dense < 0) throw new RangeError(`dense must be a non-negative integer, got ${dense}`);
    super(name, [...inputShape], numClasses);
    let [h, w, c] = inputShape as [number, number, number];
    let convIndex = 0;
    channels.forEach((out, i) => {
      if (h < 2 || w < 2) throw new RangeError(`${name}: block ${i} would pool a ${h}x${w} map; too many blocks for input [${inputShape.join(', ')}]`);
      const block: Conv[] = [];
      for (let j = 0; j < convsPerBlock; j++) {
        const key = `block${i}/conv${j}`;
        block.push({
          kernel: this.addWeight(`${key}/kernel`, heNormal(9 * c * out, 9 * c, weightStream(seed, 'conv', convIndex++)), [3, 3, c, out]),
          bias: useBn ? undefined : this.addWeight(`${key}/bias`, zeros(out), [out]),
          bn: useBn ? this.addBatchNorm(`${key}/bn`, out, { momentum: bnMomentum }) : undefined,
        });
        c = out;
      }
      this.blocks.push(block);
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    });
    this.flatSize = h * w * c;
    let width = this.flatSize;
    if (dense > 0) {
      this.hidden = {
        kernel: this.addWeight('dense0/kernel', heNormal(width * dense, width, weightStream(seed, 'dense', 0)), [width, dense]),
        bias: this.addWeight('dense0/bias', zeros(dense), [dense]),
      };
      width = dense;
    }
    this.output = {
      kernel: this.addWeight('output/kernel', glorotUniform(width * numClasses, width, numClasses, weightStream(seed, 'output')), [width, numClasses]),
      bias: this.addWeight('output/bias', zeros(numClasses), [numClasses]),
    };
  }

  protected compute(x: tf.Tensor, ctx: ForwardContext): tf.Tensor2D {
    let h = this.reshapeInput(x, this.inputShape) as tf.Tensor4D;
    for (const block of this.blocks) {
      for (const conv of block) {
        let z = tf.conv2d(h, conv.kernel as tf.Tensor4D, 1, 'same');
        if (conv.bias) z = tf.add(z, conv.bias);
        if (conv.bn) z = batchNorm(z, conv.bn, ctx);
        h = tf.relu(z);
      }
      h = tf.maxPool(h, 2, 2, 'valid');
    }
    let flat = h.reshape([h.shape[0], this.flatSize]) as tf.Tensor2D;
    if (this.hidden) flat = linear(flat, this.hidden.kernel, this.hidden.bias, 'relu') as tf.Tensor2D;
    return linear(flat, this.output.kernel, this.output.bias) as tf.Tensor2D;
  }
}
