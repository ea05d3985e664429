import * as tf from '@tensorflow/tfjs';
import { GradArg, hasKernel } from './has-kernel';
import { KT_KERNEL_NAMES } from './kernel-names';

/** Additive bias the composite gives masked attention logits (large negative, finite). */
export const ATTENTION_MASK_BIAS = -1e9;

/** Attributes of the KtAttention / KtAttentionGrad kernels. */
export interface AttentionAttrs {
  heads: number;
  scale: number;
  causal: boolean;
}

export interface AttentionOptions {
  /** Number of heads; the model width must be a multiple. */
  heads: number;
  /** Query i attends only keys j <= i + (Tk - Tq) (self-attention: itself and earlier positions). Default false. */
  causal?: boolean;
  /** float32 [B, Tk]: nonzero at keys no query may attend (padding). */
  keyPadding?: tf.Tensor;
  /** Multiplies q·k; default 1 / sqrt(head dim). */
  scale?: number;
}

/** Self-attention options (kept for callers of the first version of this op). */
export type SelfAttentionOptions = AttentionOptions;

interface Dims {
  b: number;
  tq: number;
  tk: number;
  d: number;
  dh: number;
}

function checkHeads(op: string, heads: number): void {
  if (!Number.isInteger(heads) || heads < 1) throw new Error(`${op}: heads must be a positive integer, got ${heads}`);
}

function checkPadding(op: string, pad: tf.Tensor | undefined, b: number, tk: number): void {
  if (pad !== undefined && (pad.rank !== 2 || pad.shape[0] !== b || pad.shape[1] !== tk)) {
    throw new Error(`${op}: keyPadding must be [${b}, ${tk}], got [${pad.shape.join(', ')}]`);
  }
}

function selfDims(qkv: tf.Tensor, opts: AttentionOptions): Dims {
  if (qkv.rank !== 3) throw new Error(`selfAttention: qkv must be [batch, time, 3 * model], got [${qkv.shape.join(', ')}]`);
  const [b, t, w] = qkv.shape as [number, number, number];
  checkHeads('selfAttention', opts.heads);
  if (w % (3 * opts.heads) !== 0) throw new Error(`selfAttention: qkv's last dim ${w} is not 3 * heads (${opts.heads}) * head dim`);
  checkPadding('selfAttention', opts.keyPadding, b, t);
  return { b, tq: t, tk: t, d: w / 3, dh: w / (3 * opts.heads) };
}

function crossDims(q: tf.Tensor, kv: tf.Tensor, opts: AttentionOptions): Dims {
  if (q.rank !== 3 || kv.rank !== 3) {
    throw new Error(`crossAttention: q and kv must be rank 3, got [${q.shape.join(', ')}] and [${kv.shape.join(', ')}]`);
  }
  const [b, tq, d] = q.shape as [number, number, number];
  checkHeads('crossAttention', opts.heads);
  if (kv.shape[0] !== b || kv.shape[2] !== 2 * d) {
    throw new Error(`crossAttention: kv must be [${b}, keys, ${2 * d}] (k | v), got [${kv.shape.join(', ')}]`);
  }
  if (d % opts.heads !== 0) throw new Error(`crossAttention: model width ${d} is not a multiple of heads (${opts.heads})`);
  const tk = kv.shape[1]!;
  if (opts.causal && tq > tk) throw new Error(`crossAttention: causal needs at least as many keys (${tk}) as queries (${tq})`);
  checkPadding('crossAttention', opts.keyPadding, b, tk);
  return { b, tq, tk, d, dh: d / opts.heads };
}

/** [B, T, P*D] -> part i as [B, H, T, dh]. */
function headsOf(x: tf.Tensor, part: number, dims: { b: number; t: number; d: number; heads: number }): tf.Tensor {
  const { b, t, d, heads } = dims;
  return tf.transpose(tf.reshape(tf.slice(x, [0, 0, part * d], [b, t, d]), [b, t, heads, d / heads]), [0, 2, 1, 3]);
}

/**
 * Scaled dot-product attention in plain tfjs ops on head-major q [B,H,Tq,dh], k, v [B,H,Tk,dh]: softmax(scale q kᵀ
 * + masks) v merged back to [B, Tq, D]. Masks add {@link ATTENTION_MASK_BIAS} (weights exactly 0 after the softmax).
 */
function attendComposite(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, dims: Dims, opts: AttentionOptions, scale: number): tf.Tensor {
  const { b, tq, tk, d } = dims;
  let scores = tf.mul(tf.matMul(q, k, false, true), scale);
  if (opts.causal) {
    // keep[i, j] = j <= i + (tk - tq)
    const keep = tf.linalg.bandPart(tf.ones([tq, tk]), -1, tk - tq);
    scores = tf.add(scores, tf.mul(tf.sub(1, keep), ATTENTION_MASK_BIAS));
  }
  if (opts.keyPadding !== undefined) {
    const padded = tf.cast(tf.notEqual(opts.keyPadding, 0), 'float32');
    scores = tf.add(scores, tf.reshape(tf.mul(padded, ATTENTION_MASK_BIAS), [b, 1, 1, tk]));
  }
  const att = tf.matMul(tf.softmax(scores), v);
  return tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [b, tq, d]);
}

/** Multi-head self-attention in plain tfjs ops on a packed projection qkv [B, T, 3D] = [q | k | v]. */
export function selfAttentionComposite(qkv: tf.Tensor, opts: AttentionOptions): tf.Tensor {
  const dims = selfDims(qkv, opts);
  const scale = opts.scale ?? 1 / Math.sqrt(dims.dh);
  return tf.tidy(() => {
    const at = { b: dims.b, t: dims.tq, d: dims.d, heads: opts.heads };
    return attendComposite(headsOf(qkv, 0, at), headsOf(qkv, 1, at), headsOf(qkv, 2, at), dims, opts, scale);
  });
}

/** Multi-head cross-attention in plain tfjs ops: queries q [B, Tq, D] over a packed kv [B, Tk, 2D] = [k | v]. */
export function crossAttentionComposite(q: tf.Tensor, kv: tf.Tensor, opts: AttentionOptions): tf.Tensor {
  const dims = crossDims(q, kv, opts);
  const scale = opts.scale ?? 1 / Math.sqrt(dims.dh);
  return tf.tidy(() => {
    const qh = headsOf(q, 0, { b: dims.b, t: dims.tq, d: dims.d, heads: opts.heads });
    const at = { b: dims.b, t: dims.tk, d: dims.d, heads: opts.heads };
    return attendComposite(qh, headsOf(kv, 0, at), headsOf(kv, 1, at), dims, opts, scale);
  });
}

type AttentionFn = (...inputs: tf.Tensor[]) => tf.Tensor;
const fusedByKey = new Map<string, AttentionFn>();

/**
 * The fused op for one set of attrs and input names (['qkv'] or ['q', 'kv'], then 'keyPadding' when given):
 * one KtAttention forward that saves the attention weights, one KtAttentionGrad backward. The padding mask
 * gets a zero gradient.
 */
function fusedAttention(names: string[], attrs: AttentionAttrs): AttentionFn {
  const key = `${names.join(',')}/${attrs.heads}/${attrs.scale}/${attrs.causal}`;
  let op = fusedByKey.get(key);
  if (op !== undefined) return op;
  op = tf.customGrad((...args: GradArg[]) => {
    const inputs = args.slice(0, names.length) as tf.Tensor[];
    const save = args[names.length] as tf.GradSaveFunc;
    const map = Object.fromEntries(names.map((n, i) => [n, inputs[i]!]));
    const [value, probs] = tf.engine().runKernel(KT_KERNEL_NAMES.attention, map, { ...attrs }) as tf.Tensor[];
    save([...inputs, probs!]);
    return {
      value: value!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
        const savedMap = Object.fromEntries(names.map((n, i) => [n, saved[i]!]));
        const out = tf.engine().runKernel(
          KT_KERNEL_NAMES.attentionGrad,
          { ...savedMap, probs: saved[names.length]!, dy },
          { ...attrs },
        ) as tf.Tensor | tf.Tensor[];
        const grads = Array.isArray(out) ? out : [out];
        return names.includes('keyPadding') ? [...grads, tf.zerosLike(saved[names.length - 1]!)] : grads;
      },
    };
  }) as unknown as AttentionFn;
  fusedByKey.set(key, op);
  return op;
}

function runFused(sources: Record<string, tf.Tensor>, opts: AttentionOptions, dh: number): tf.Tensor {
  const names = Object.keys(sources);
  const inputs = names.map((n) => sources[n]!);
  if (opts.keyPadding !== undefined) {
    names.push('keyPadding');
    inputs.push(opts.keyPadding.dtype === 'float32' ? opts.keyPadding : tf.cast(opts.keyPadding, 'float32'));
  }
  const attrs: AttentionAttrs = { heads: opts.heads, scale: opts.scale ?? 1 / Math.sqrt(dh), causal: Boolean(opts.causal) };
  return fusedAttention(names, attrs)(...inputs);
}

/**
 * Multi-head self-attention on a packed projection qkv [B, T, 3D] (q | k | v, head h in columns h*dh ..
 * (h+1)*dh of each part) -> [B, T, D], with an optional causal mask and key padding mask [B, T]. Where the
 * backend has the KtAttention / KtAttentionGrad kernels one kernel forward (per batch and head: q kᵀ, masked
 * softmax, times v, straight from and into the packed layouts) and one backward from the saved weights;
 * elsewhere {@link selfAttentionComposite}, which it matches to float rounding.
 */
export function selfAttention(qkv: tf.Tensor, opts: AttentionOptions): tf.Tensor {
  const dims = selfDims(qkv, opts);
  if (qkv.dtype !== 'float32' || !hasKernel(KT_KERNEL_NAMES.attention)) return selfAttentionComposite(qkv, opts);
  return runFused({ qkv }, opts, dims.dh);
}

/**
 * Multi-head cross-attention: queries q [B, Tq, D] over keys and values packed as kv [B, Tk, 2D] (k | v)
 * -> [B, Tq, D], with an optional key padding mask [B, Tk] (and causal mask, for incremental decoding over a
 * cache). Kernel where the backend has it, else {@link crossAttentionComposite}, as {@link selfAttention}.
 */
export function crossAttention(q: tf.Tensor, kv: tf.Tensor, opts: AttentionOptions): tf.Tensor {
  const dims = crossDims(q, kv, opts);
  if (q.dtype !== 'float32' || kv.dtype !== 'float32' || !hasKernel(KT_KERNEL_NAMES.attention)) {
    return crossAttentionComposite(q, kv, opts);
  }
  return runFused({ q, kv }, opts, dims.dh);
}
