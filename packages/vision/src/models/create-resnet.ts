import * as tf from '@tensorflow/tfjs';
import { linear } from '@kt/core';
import { batchNorm, type BatchNormParams } from './batch-norm';
import { ClassifierModel, VariableClassifier, type ForwardContext } from './classifier-model';
import { assertPositiveInts } from './create-mlp';
import { glorotUniform, heNormal, weightStream, zeros } from './initializers';

export interface ResNetOptions {
  /** Per-example [height, width, channels]; flat [n, h*w*c] inputs are reshaped. */
  inputShape: number[];
  /** Channels of each stage; stage s > 0 halves the resolution in its first block (stride 2). */
  widths: number[];
  /** Basic blocks per stage (each: conv3x3-BN-ReLU-conv3x3-BN plus the shortcut, then ReLU). */
  blocksPerStage: number;
  numClasses: number;
  seed: number;
  name?: string;
  /** BatchNorm running-statistics momentum (PyTorch convention, default 0.1). */
  bnMomentum?: number;
}

interface Block {
  conv1: tf.Variable;
  bn1: BatchNormParams;
  conv2: tf.Variable;
  bn2: BatchNormParams;
  stride: number;
  shortcut?: { conv: tf.Variable; bn: BatchNormParams };
}

/**
 * A small ResNet of basic blocks (He et al. 2016, the CIFAR variant): stem conv3x3-BN-ReLU, stages of basic
 * blocks, global average pooling, a dense logits layer. Convolutions have no bias (BN follows each).
 * Weights: stem/conv/kernel, stem/bn/*, stage<s>/block<b>/{conv1,bn1,conv2,bn2,shortcut/conv,shortcut/bn}, output/{kernel,bias}.
 */
export function createResNet(options: ResNetOptions): ClassifierModel {
  return new ResNet(options);
}

class ResNet extends VariableClassifier {
  private readonly stem: { conv: tf.Variable; bn: BatchNormParams };
  private readonly blocks: Block[] = [];
  private readonly output: { kernel: tf.Variable; bias: tf.Variable };

  constructor(options: ResNetOptions) {
    const { inputShape, widths, blocksPerStage, numClasses, seed, name = 'resnet', bnMomentum } = options;
    if (inputShape.length !== 3) throw new RangeError(`inputShape must be [height, width, channels], got [${inputShape.join(', ')}]`);
    assertPositiveInts('inputShape', inputShape);
    assertPositiveInts('widths', widths);
    assertPositiveInts('blocksPerStage', [blocksPerStage]);
    assertPositiveInts('numClasses', [numClasses]);
    if (widths.length === 0) throw new RangeError('widths must name at least one stage');
    super(name, [...inputShape], numClasses);
    const bn = { momentum: bnMomentum };
    let convIndex = 0;
    const conv = (key: string, k: number, cin: number, cout: number): tf.Variable =>
      this.addWeight(`${key}/kernel`, heNormal(k * k * cin * cout, k * k * cin, weightStream(seed, 'conv', convIndex++)), [k, k, cin, cout]);
    this.stem = { conv: conv('stem/conv', 3, inputShape[2]!, widths[0]!), bn: this.addBatchNorm('stem/bn', widths[0]!, bn) };
    let cin = widths[0]!;
    widths.forEach((cout, s) => {
      for (let b = 0; b < blocksPerStage; b++) {
        const key = `stage${s}/block${b}`;
        const stride = s > 0 && b === 0 ? 2 : 1;
        const block: Block = {
          conv1: conv(`${key}/conv1`, 3, cin, cout),
          bn1: this.addBatchNorm(`${key}/bn1`, cout, bn),
          conv2: conv(`${key}/conv2`, 3, cout, cout),
          bn2: this.addBatchNorm(`${key}/bn2`, cout, bn),
          stride,
        };
        if (stride !== 1 || cin !== cout) {
          block.shortcut = { conv: conv(`${key}/shortcut/conv`, 1, cin, cout), bn: this.addBatchNorm(`${key}/shortcut/bn`, cout, bn) };
        }
        this.blocks.push(block);
        cin = cout;
      }
    });
    this.output = {
      kernel: this.addWeight('output/kernel', glorotUniform(cin * numClasses, cin, numClasses, weightStream(seed, 'output')), [cin, numClasses]),
      bias: this.addWeight('output/bias', zeros(numClasses), [numClasses]),
    };
  }

  protected compute(x: tf.Tensor, ctx: ForwardContext): tf.Tensor2D {
    const input = this.reshapeInput(x, this.inputShape) as tf.Tensor4D;
    let h = tf.relu(batchNorm(tf.conv2d(input, this.stem.conv as tf.Tensor4D, 1, 'same'), this.stem.bn, ctx));
    for (const block of this.blocks) {
      let main = tf.relu(batchNorm(tf.conv2d(h, block.conv1 as tf.Tensor4D, block.stride, 'same'), block.bn1, ctx));
      main = batchNorm(tf.conv2d(main, block.conv2 as tf.Tensor4D, 1, 'same'), block.bn2, ctx);
      const skip = block.shortcut ? batchNorm(tf.conv2d(h, block.shortcut.conv as tf.Tensor4D, block.stride, 'same'), block.shortcut.bn, ctx) : h;
      h = tf.relu(tf.add<tf.Tensor4D>(main, skip));
    }
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return linear(pooled, this.output.kernel, this.output.bias) as tf.Tensor2D;
  }
}
