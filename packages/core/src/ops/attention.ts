import * as tf from '@tensorflow/tfjs';
import { GradArg, hasKernel } from './has-kernel';
import { KT_KERNEL_NAMES } from './kernel-names';

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
    const [value, probs] = tf.engine().runKernel(KT_KERNEL_NAMES.attention, { qkv }, { heads, scale, causal }) as tf.Tensor[];
    (args[1] as tf.GradSaveFunc)([qkv, probs!]);
    return {
      value: value!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor =>
        tf.engine().runKernel(KT_KERNEL_NAMES.attentionGrad, { qkv: saved[0]!, probs: saved[1]!, dy }, { heads, scale }) as tf.Tensor,
    };
  }) as unknown as (qkv: tf.Tensor) => tf.Tensor;
  attentionByAttrs.set(key, op);
  return op;
}

/**
 * Multi-head self-attention on a packed projection qkv [B, T, 3D] (q | k | v, head h in columns
 * h*dh .. (h+1)*dh of each part) -> [B, T, D]. Where the backend has the KtAttention /
 * KtAttentionGrad kernels one kernel forward
 * (KtAttention: per batch and head, q k^T, masked softmax, times v, straight from and into the packed
 * layouts) and one backward (KtAttentionGrad, from the saved attention weights); elsewhere
 * selfAttentionComposite, which it matches to float rounding.
 */
export function selfAttention(qkv: tf.Tensor, opts: SelfAttentionOptions): tf.Tensor {
  const { dh } = attentionDims(qkv, opts.heads);
  const scale = opts.scale ?? 1 / Math.sqrt(dh);
  if (qkv.dtype !== 'float32' || !hasKernel(KT_KERNEL_NAMES.attention)) return selfAttentionComposite(qkv, { ...opts, scale });
  return fusedAttention(opts.heads, scale, Boolean(opts.causal))(qkv);
}
