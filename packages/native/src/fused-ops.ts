import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNEL_NAMES } from './kernels/fused-kernels';

const GELU_C = Math.sqrt(2 / Math.PI);

/** Whether the fused kernels run here: the native kernels are registered and the backend is wasm. */
export function fusedKernelsActive(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(FUSED_KERNEL_NAMES.gelu, 'wasm') !== undefined;
}

/** GELU (tanh form) in plain tfjs ops: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function geluComposite(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const x3 = tf.mul(tf.mul(x, x), x);
    const inner = tf.mul(GELU_C, tf.add(x, tf.mul(0.044715, x3)));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/** LayerNorm over the last axis in plain tfjs ops: (x - mean) / sqrt(var + eps) * gamma + beta. */
export function layerNormComposite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
  });
}

type GradArg = tf.Tensor | tf.GradSaveFunc;

const fusedGelu = tf.customGrad((...args: GradArg[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  const value = tf.engine().runKernel(FUSED_KERNEL_NAMES.gelu, { x }) as tf.Tensor;
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor =>
      tf.engine().runKernel(FUSED_KERNEL_NAMES.geluGrad, { x: saved[0]!, dy }) as tf.Tensor,
  };
});

/**
 * GELU (tanh form). With the native kernels on wasm one kernel forward and one
 * backward (KtGelu / KtGeluGrad); elsewhere geluComposite, which it matches to float rounding.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || !fusedKernelsActive()) return geluComposite(x);
  return (fusedGelu as unknown as (t: tf.Tensor) => tf.Tensor)(x);
}

function fusedLayerNorm(epsilon: number): (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: GradArg[]) => {
    const [x, gamma, beta] = args.slice(0, 3) as tf.Tensor[];
    (args[3] as tf.GradSaveFunc)([x!, gamma!]);
    const value = tf.engine().runKernel(FUSED_KERNEL_NAMES.layerNorm, { x: x!, gamma: gamma!, beta: beta! }, { epsilon }) as tf.Tensor;
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
        tf.engine().runKernel(FUSED_KERNEL_NAMES.layerNormGrad, { x: saved[0]!, gamma: saved[1]!, dy }, { epsilon }) as tf.Tensor[],
    };
  }) as unknown as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
}

const layerNormByEpsilon = new Map<number, (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor>();

/**
 * LayerNorm over the last axis with gamma, beta of shape [d]. With the native kernels on wasm one kernel
 * forward and one backward (KtLayerNorm / KtLayerNormGrad); elsewhere (or for other shapes / dtypes)
 * layerNormComposite.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  const d = x.shape[x.shape.length - 1];
  const fits =
    x.dtype === 'float32' &&
    gamma.dtype === 'float32' &&
    beta.dtype === 'float32' &&
    gamma.rank === 1 &&
    beta.rank === 1 &&
    gamma.shape[0] === d &&
    beta.shape[0] === d;
  if (!fits || !fusedKernelsActive()) return layerNormComposite(x, gamma, beta, epsilon);
  let op = layerNormByEpsilon.get(epsilon);
  if (!op) {
    op = fusedLayerNorm(epsilon);
    layerNormByEpsilon.set(epsilon, op);
  }
  return op(x, gamma, beta);
}

export interface SelfAttentionOptions {
  /** Number of heads; the model width (qkv's last dim / 3) must be a multiple. */
  heads: number;
  /** Each position attends only to itself and earlier positions. Default false. */
  causal?: boolean;
  /** Multiplies q·k; default 1 / sqrt(head dim). */
  scale?: number;
}

function attentionDims(qkv: tf.Tensor, heads: number): { b: number; t: number; d: number; dh: number } {
  if (qkv.rank !== 3) throw new Error(`selfAttention: qkv must be [batch, time, 3 * model], got [${qkv.shape.join(', ')}]`);
  const [b, t, w] = qkv.shape as [number, number, number];
  if (!Number.isInteger(heads) || heads < 1) throw new Error(`selfAttention: heads must be a positive integer, got ${heads}`);
  if (w % (3 * heads) !== 0) throw new Error(`selfAttention: qkv's last dim ${w} is not 3 * heads (${heads}) * head dim`);
  return { b, t, d: w / 3, dh: w / (3 * heads) };
}

/**
 * Multi-head self-attention in plain tfjs ops, on a packed projection qkv [B, T, 3D] = [q | k | v]:
 * softmax(scale q k^T + mask) v per head, heads merged back to [B, T, D]. The causal mask adds -1e9
 * above the diagonal (those weights are exactly 0 after the softmax).
 */
export function selfAttentionComposite(qkv: tf.Tensor, opts: SelfAttentionOptions): tf.Tensor {
  const { b, t, d, dh } = attentionDims(qkv, opts.heads);
  const h = opts.heads;
  const scale = opts.scale ?? 1 / Math.sqrt(dh);
  return tf.tidy(() => {
    const part = (i: number): tf.Tensor =>
      tf.transpose(tf.reshape(tf.slice(qkv, [0, 0, i * d], [b, t, d]), [b, t, h, dh]), [0, 2, 1, 3]);
    let scores = tf.mul(tf.matMul(part(0), part(1), false, true), scale);
    if (opts.causal) {
      const keep = tf.linalg.bandPart(tf.ones([t, t]), -1, 0);
      scores = tf.add(scores, tf.mul(tf.sub(1, keep), -1e9));
    }
    const att = tf.matMul(tf.softmax(scores), part(2));
    return tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [b, t, d]);
  });
}

const attentionByAttrs = new Map<string, (qkv: tf.Tensor) => tf.Tensor>();

function fusedAttention(heads: number, scale: number, causal: boolean): (qkv: tf.Tensor) => tf.Tensor {
  const key = `${heads}/${scale}/${causal}`;
  let op = attentionByAttrs.get(key);
  if (op) return op;
  op = tf.customGrad((...args: GradArg[]) => {
    const qkv = args[0] as tf.Tensor;
    const [value, probs] = tf.engine().runKernel(FUSED_KERNEL_NAMES.attention, { qkv }, { heads, scale, causal }) as tf.Tensor[];
    (args[1] as tf.GradSaveFunc)([qkv, probs!]);
    return {
      value: value!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor =>
        tf.engine().runKernel(FUSED_KERNEL_NAMES.attentionGrad, { qkv: saved[0]!, probs: saved[1]!, dy }, { heads, scale }) as tf.Tensor,
    };
  }) as unknown as (qkv: tf.Tensor) => tf.Tensor;
  attentionByAttrs.set(key, op);
  return op;
}

/**
 * Multi-head self-attention on a packed projection qkv [B, T, 3D] (q | k | v, head h in columns
 * h*dh .. (h+1)*dh of each part) -> [B, T, D]. With the native kernels on wasm one kernel forward
 * (KtAttention: per batch and head, q k^T, masked softmax, times v, straight from and into the packed
 * layouts) and one backward (KtAttentionGrad, from the saved attention weights); elsewhere
 * selfAttentionComposite, which it matches to float rounding.
 */
export function selfAttention(qkv: tf.Tensor, opts: SelfAttentionOptions): tf.Tensor {
  const { dh } = attentionDims(qkv, opts.heads);
  const scale = opts.scale ?? 1 / Math.sqrt(dh);
  if (qkv.dtype !== 'float32' || !fusedKernelsActive()) return selfAttentionComposite(qkv, { ...opts, scale });
  return fusedAttention(opts.heads, scale, Boolean(opts.causal))(qkv);
}

/** Per-row softmax cross-entropy in plain tfjs ops: -sum(labels * logSoftmax(logits), -1). */
export function softmaxCrossEntropyComposite(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1)));
}

const fusedSoftmaxXent = tf.customGrad((...args: GradArg[]) => {
  const [labels, logits] = args as tf.Tensor[];
  const [loss, logSoftmax] = tf.engine().runKernel(FUSED_KERNEL_NAMES.softmaxXent, { labels: labels!, logits: logits! }) as tf.Tensor[];
  (args[2] as tf.GradSaveFunc)([labels!, logSoftmax!]);
  return {
    value: loss!,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.engine().runKernel(FUSED_KERNEL_NAMES.softmaxXentGrad, { labels: saved[0]!, logSoftmax: saved[1]!, dy }) as tf.Tensor[],
  };
}) as unknown as (labels: tf.Tensor, logits: tf.Tensor) => tf.Tensor;

/**
 * Softmax cross-entropy per row: loss[...] = -sum_c labels[..., c] log softmax(logits)[..., c], for
 * labels and logits of the same shape (labels need not be one-hot). Gradients for both inputs. With
 * the native kernels on wasm one kernel forward and one backward; elsewhere softmaxCrossEntropyComposite.
 * `tf.losses.softmaxCrossEntropy(labels, logits)` (default reduction) equals the mean of this.
 */
export function softmaxCrossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  if (labels.shape.length !== logits.shape.length || labels.shape.some((d, i) => d !== logits.shape[i])) {
    throw new Error(`softmaxCrossEntropy: labels [${labels.shape.join(', ')}] and logits [${logits.shape.join(', ')}] differ in shape`);
  }
  if (labels.dtype !== 'float32' || logits.dtype !== 'float32' || logits.rank < 1 || !fusedKernelsActive()) {
    return softmaxCrossEntropyComposite(labels, logits);
  }
  return fusedSoftmaxXent(labels, logits);
}
