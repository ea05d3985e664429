import * as tf from '@tensorflow/tfjs';
import { linear } from '@kt/core';
import { glorotUniform, heNormal, weightStream } from '@kt/vision';

/**
 * Version of FinetuneNet's math: part of the source model's cache key (core's teacher provisioning), so a source
 * model trained by older code is retrained rather than reused. Bump it whenever a change alters the outputs.
 */
export const FINETUNE_MODEL_VERSION = 'finetune-net/1';

/** The name of the linear classifier layer (the part L2-SP weighs with β, and the part `model.head: new` replaces). */
export const HEAD_LAYER = 'head';
/** The name of the dense feature layer (BSS's and TRED's features). */
export const FEATURE_LAYER = 'fc';

export interface FinetuneNetOptions {
  /** Per-example [height, width, channels]. */
  readonly inputShape: readonly number[];
  readonly channels: readonly number[];
  readonly dense: number;
  readonly classes: number;
  readonly seed: number;
}

/** A forward pass up to the features: every conv layer's map (after ReLU, before pooling) and the `fc` features. */
export interface BodyOutput {
  /** `conv1` … `convN` → [n, h, w, c]. */
  readonly maps: Readonly<Record<string, tf.Tensor4D>>;
  /** The `fc` features [n, dense] (after ReLU). */
  readonly features: tf.Tensor2D;
}

/** Zero channel `channel` of layer `layer`'s map (DELTA's channel importance). */
export interface ChannelMask {
  readonly layer: string;
  readonly channel: number;
}

interface Dense {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
}

let variableCounter = 0;

/**
 * The source and target network: conv 3×3 (same padding) + ReLU + max-pool 2×2 blocks `conv1..convN`, a dense ReLU
 * layer `fc`, a linear `head`. Tensors from `body`/`forward` belong to the caller's `tf.tidy`. Weights have the stable
 * names `conv<i>/kernel`, `conv<i>/bias`, `fc/kernel`, `fc/bias`, `head/kernel`, `head/bias`.
 */
export class FinetuneNet {
  readonly inputShape: readonly number[];
  readonly classes: number;
  readonly dense: number;
  private readonly convs: Dense[] = [];
  private readonly fc: Dense;
  private readonly head: Dense;
  private readonly flatSize: number;
  private readonly variables = new Map<string, tf.Variable>();

  constructor(options: FinetuneNetOptions) {
    const { inputShape, channels, dense, classes, seed } = options;
    if (inputShape.length !== 3) throw new RangeError(`FinetuneNet needs images [height, width, channels], got [${inputShape.join(', ')}]`);
    this.inputShape = [...inputShape];
    this.classes = classes;
    this.dense = dense;
    let [h, w, c] = inputShape as [number, number, number];
    channels.forEach((out, i) => {
      if (h < 2 || w < 2) throw new RangeError(`conv${i + 1} would pool a ${h}×${w} map: too many conv layers for input [${inputShape.join(', ')}]`);
      const name = `conv${i + 1}`;
      this.convs.push({
        kernel: this.add(`${name}/kernel`, heNormal(9 * c * out, 9 * c, weightStream(seed, 'conv', i)), [3, 3, c, out]),
        bias: this.add(`${name}/bias`, new Float32Array(out), [out]),
      });
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
      c = out;
    });
    this.flatSize = h * w * c;
    this.fc = {
      kernel: this.add(`${FEATURE_LAYER}/kernel`, heNormal(this.flatSize * dense, this.flatSize, weightStream(seed, 'dense', 0)), [this.flatSize, dense]),
      bias: this.add(`${FEATURE_LAYER}/bias`, new Float32Array(dense), [dense]),
    };
    this.head = this.newHead(seed);
  }

  /** The feature-map layers a regulariser may name (`conv1`, …), in forward order. */
  mapLayers(): string[] {
    return this.convs.map((_, i) => `conv${i + 1}`);
  }

  /** Every layer, in forward order: the map layers, `fc`, `head`. */
  layers(): string[] {
    return [...this.mapLayers(), FEATURE_LAYER, HEAD_LAYER];
  }

  /** Channels of each map layer. */
  layerChannels(layer: string): number {
    const i = this.mapLayers().indexOf(layer);
    if (i < 0) throw new RangeError(`no map layer '${layer}'; the model's layers: ${this.layers().join(', ')}`);
    return this.convs[i]!.kernel.shape[3]!;
  }

  /** Feature maps and `fc` features of `x` ([n, h, w, c] or [n, h·w·c]); `mask` zeroes one channel of one layer. */
  body(x: tf.Tensor, mask?: ChannelMask): BodyOutput {
    const maps: Record<string, tf.Tensor4D> = {};
    let h = x.reshape([x.shape[0]!, ...this.inputShape]) as tf.Tensor4D;
    this.convs.forEach((conv, i) => {
      const name = `conv${i + 1}`;
      // One FusedConv2D (bias and ReLU in the convolution's output pass where @kt/native runs it).
      let a = tf.fused.conv2d({ x: h, filter: conv.kernel as tf.Tensor4D, strides: 1, pad: 'same', bias: conv.bias, activation: 'relu' });
      if (mask?.layer === name) {
        const keep = new Float32Array(a.shape[3]).fill(1);
        keep[mask.channel] = 0;
        a = tf.mul(a, tf.tensor1d(keep));
      }
      maps[name] = a;
      h = tf.maxPool(a, 2, 2, 'valid');
    });
    const flat = h.reshape([h.shape[0], this.flatSize]) as tf.Tensor2D;
    const features = linear(flat, this.fc.kernel, this.fc.bias, 'relu') as tf.Tensor2D;
    return { maps, features };
  }

  /** The head's logits of features [n, dense]. */
  headLogits(features: tf.Tensor2D): tf.Tensor2D {
    return linear(features, this.head.kernel, this.head.bias) as tf.Tensor2D;
  }

  /** Logits [n, classes]. */
  forward(x: tf.Tensor): tf.Tensor2D {
    return this.headLogits(this.body(x).features);
  }

  /** The head's variables (L2-SP's β term). */
  headVariables(): tf.Variable[] {
    return [this.head.kernel, this.head.bias];
  }

  /** Every variable by its stable name. */
  namedVariables(): ReadonlyMap<string, tf.Variable> {
    return this.variables;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.variables.values()];
  }

  getWeights(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [key, v] of this.variables) out.set(key, tf.clone(v));
    return out;
  }

  /** Assigns every weight of `weights` (same names and shapes, else throws before changing anything); `skipHead` leaves the head as it is. */
  setWeights(weights: Map<string, tf.Tensor>, options: { skipHead?: boolean } = {}): void {
    const problems: string[] = [];
    const wanted = [...this.variables].filter(([key]) => !(options.skipHead && key.startsWith(`${HEAD_LAYER}/`)));
    for (const [key, v] of wanted) {
      const w = weights.get(key);
      if (!w) problems.push(`missing '${key}'`);
      else if (!tf.util.arraysEqual(w.shape, v.shape)) problems.push(`'${key}' has shape [${w.shape.join(', ')}], expected [${v.shape.join(', ')}]`);
    }
    for (const key of weights.keys()) if (!this.variables.has(key)) problems.push(`unexpected '${key}'`);
    if (problems.length > 0) throw new Error(`setWeights: ${problems.join('; ')}`);
    for (const [key, v] of wanted) v.assign(weights.get(key)!);
  }

  parameterCount(): number {
    let count = 0;
    for (const v of this.variables.values()) count += v.size;
    return count;
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }

  private newHead(seed: number): Dense {
    return {
      kernel: this.add(`${HEAD_LAYER}/kernel`, glorotUniform(this.dense * this.classes, this.dense, this.classes, weightStream(seed, 'output')), [this.dense, this.classes]),
      bias: this.add(`${HEAD_LAYER}/bias`, new Float32Array(this.classes), [this.classes]),
    };
  }

  private add(key: string, values: Float32Array, shape: number[]): tf.Variable {
    const initial = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(initial, true, `finetune/${key}_${++variableCounter}`);
    initial.dispose();
    this.variables.set(key, variable);
    return variable;
  }
}
