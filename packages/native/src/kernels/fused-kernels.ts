import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { AdamAttrs, AttentionAttrs, DropoutAttrs, EmbeddingGradAttrs, KtKernelNames, TokenJsdAttrs, TokenKlAttrs } from '@kt/core';
import type { NativeAddon } from '../addon';
import type { KernelArgs } from './matmul-kernels';
import { asWasmBackend, heapFloats, shapeError, sizeOf } from './wasm-heap';

/**
 * Kernel names of core's fused ops (@kt/core ops/kernel-names.ts declares them; typing this table as
 * KtKernelNames makes any name that differs a compile error).
 */
export const FUSED_KERNEL_NAMES: Omit<KtKernelNames, 'batchNorm' | 'batchNormGrad'> = {
  gelu: 'KtGelu',
  geluGrad: 'KtGeluGrad',
  layerNorm: 'KtLayerNorm',
  layerNormGrad: 'KtLayerNormGrad',
  attention: 'KtAttention',
  attentionGrad: 'KtAttentionGrad',
  softmaxXent: 'KtSoftmaxXent',
  softmaxXentGrad: 'KtSoftmaxXentGrad',
  dropout: 'KtDropout',
  embeddingGrad: 'KtEmbeddingGrad',
  tokenKl: 'KtTokenKl',
  tokenKlGrad: 'KtTokenKlGrad',
  tokenJsd: 'KtTokenJsd',
  adam: 'KtAdam',
};

function float32Input(args: KernelArgs, name: string, kernel: string): TensorInfo {
  const t = args.inputs[name];
  if (!t) throw shapeError(kernel, `missing input '${name}'`);
  if (t.dtype !== 'float32') throw shapeError(kernel, `input '${name}' must be float32, got ${t.dtype}`);
  return t;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** KtGelu: {x} -> GELU(x) (tanh form). */
export function makeGelu(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.gelu;
  return ((args: KernelArgs) => {
    const x = float32Input(args, 'x', kernel);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput([...x.shape], 'float32');
    if (sizeOf(x.shape) > 0) addon.geluForward(heapFloats(backend, x, kernel), heapFloats(backend, out, kernel));
    return out;
  }) as unknown as KernelFunc;
}

/** KtGeluGrad: {x, dy} -> dy * GELU'(x). */
export function makeGeluGrad(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.geluGrad;
  return ((args: KernelArgs) => {
    const x = float32Input(args, 'x', kernel);
    const dy = float32Input(args, 'dy', kernel);
    if (!sameShape(x.shape, dy.shape)) throw shapeError(kernel, `x ${JSON.stringify(x.shape)} and dy ${JSON.stringify(dy.shape)} differ`);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput([...x.shape], 'float32');
    if (sizeOf(x.shape) > 0) {
      addon.geluBackward(heapFloats(backend, x, kernel), heapFloats(backend, dy, kernel), heapFloats(backend, out, kernel));
    }
    return out;
  }) as unknown as KernelFunc;
}

function layerNormGeometry(kernel: string, x: TensorInfo, gamma: TensorInfo): { rows: number; d: number } {
  const d = x.shape[x.shape.length - 1];
  if (x.shape.length < 1 || d === undefined || d < 1) throw shapeError(kernel, `x needs a non-empty last dim, got ${JSON.stringify(x.shape)}`);
  if (gamma.shape.length !== 1 || gamma.shape[0] !== d) throw shapeError(kernel, `gamma/beta must have shape [${d}], got ${JSON.stringify(gamma.shape)}`);
  return { rows: sizeOf(x.shape) / d, d };
}

function epsilonAttr(args: KernelArgs, kernel: string): number {
  const eps = args.attrs?.['epsilon'];
  if (typeof eps !== 'number' || !(eps >= 0)) throw shapeError(kernel, 'attr epsilon must be a non-negative number');
  return eps;
}

/** KtLayerNorm: {x [..., d], gamma [d], beta [d]}, attrs {epsilon} -> y. */
export function makeLayerNorm(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.layerNorm;
  return ((args: KernelArgs) => {
    const x = float32Input(args, 'x', kernel);
    const gamma = float32Input(args, 'gamma', kernel);
    const beta = float32Input(args, 'beta', kernel);
    const { rows, d } = layerNormGeometry(kernel, x, gamma);
    if (!sameShape(beta.shape, gamma.shape)) throw shapeError(kernel, 'gamma and beta differ in shape');
    const eps = epsilonAttr(args, kernel);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput([...x.shape], 'float32');
    if (rows > 0) {
      addon.layerNormForward(
        heapFloats(backend, x, kernel),
        heapFloats(backend, gamma, kernel),
        heapFloats(backend, beta, kernel),
        heapFloats(backend, out, kernel),
        rows,
        d,
        eps,
      );
    }
    return out;
  }) as unknown as KernelFunc;
}

/** KtLayerNormGrad: {x, gamma, dy}, attrs {epsilon} -> [dx, dgamma, dbeta]. */
export function makeLayerNormGrad(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.layerNormGrad;
  return ((args: KernelArgs) => {
    const x = float32Input(args, 'x', kernel);
    const gamma = float32Input(args, 'gamma', kernel);
    const dy = float32Input(args, 'dy', kernel);
    const { rows, d } = layerNormGeometry(kernel, x, gamma);
    if (!sameShape(x.shape, dy.shape)) throw shapeError(kernel, 'x and dy differ in shape');
    const eps = epsilonAttr(args, kernel);
    const backend = asWasmBackend(args.backend, kernel);
    const dx = backend.makeOutput([...x.shape], 'float32');
    const dgamma = backend.makeOutput([d], 'float32');
    const dbeta = backend.makeOutput([d], 'float32');
    addon.layerNormBackward(
      heapFloats(backend, x, kernel),
      heapFloats(backend, gamma, kernel),
      heapFloats(backend, dy, kernel),
      heapFloats(backend, dx, kernel),
      heapFloats(backend, dgamma, kernel),
      heapFloats(backend, dbeta, kernel),
      rows,
      d,
      eps,
    );
    return [dx, dgamma, dbeta];
  }) as unknown as KernelFunc;
}

/** Where q, k and v live: the packed self-attention projection qkv, or q and a packed kv (cross-attention). */
interface AttentionLayout {
  batch: number;
  tq: number;
  tk: number;
  heads: number;
  headDim: number;
  scale: number;
  causal: boolean;
  /** Inputs in their order of q, k, v sources: [qkv] or [q, kv]. */
  sources: TensorInfo[];
  keyPadding: TensorInfo | undefined;
}

function positiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

/** Reads the inputs ({qkv} or {q, kv}, optional keyPadding [B, Tk]) and attrs of KtAttention / KtAttentionGrad. */
function attentionLayout(kernel: string, args: KernelArgs): AttentionLayout {
  const attrs = (args.attrs ?? {}) as Partial<AttentionAttrs>;
  const { heads, scale } = attrs;
  if (!positiveInt(heads)) throw shapeError(kernel, 'attr heads must be a positive integer');
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw shapeError(kernel, 'attr scale must be a finite number');
  const causal = Boolean(attrs.causal);
  const packed = args.inputs['qkv'];
  let layout: Omit<AttentionLayout, 'keyPadding' | 'heads' | 'scale' | 'causal'>;
  if (packed) {
    const qkv = float32Input(args, 'qkv', kernel);
    if (qkv.shape.length !== 3) throw shapeError(kernel, `qkv must be [batch, time, 3 * model], got ${JSON.stringify(qkv.shape)}`);
    const [batch, time, width] = qkv.shape as [number, number, number];
    if (width % (3 * heads) !== 0) throw shapeError(kernel, `qkv's last dim ${width} is not 3 * heads (${heads}) * headDim`);
    layout = { batch, tq: time, tk: time, headDim: width / (3 * heads), sources: [qkv] };
  } else {
    const q = float32Input(args, 'q', kernel);
    const kv = float32Input(args, 'kv', kernel);
    if (q.shape.length !== 3 || kv.shape.length !== 3) throw shapeError(kernel, `q and kv must be rank 3, got ${JSON.stringify(q.shape)} and ${JSON.stringify(kv.shape)}`);
    const [batch, tq, d] = q.shape as [number, number, number];
    if (kv.shape[0] !== batch || kv.shape[2] !== 2 * d) throw shapeError(kernel, `kv must be [${batch}, keys, ${2 * d}], got ${JSON.stringify(kv.shape)}`);
    if (d % heads !== 0) throw shapeError(kernel, `model width ${d} is not a multiple of heads (${heads})`);
    layout = { batch, tq, tk: kv.shape[1]!, headDim: d / heads, sources: [q, kv] };
  }
  const pad = args.inputs['keyPadding'];
  if (pad) {
    float32Input(args, 'keyPadding', kernel);
    if (!sameShape(pad.shape, [layout.batch, layout.tk])) throw shapeError(kernel, `keyPadding must be [${layout.batch}, ${layout.tk}], got ${JSON.stringify(pad.shape)}`);
  }
  if (layout.batch > 0 && (layout.tk === 0 || layout.tq === 0)) throw shapeError(kernel, 'attention needs at least one query and one key');
  if (causal && layout.tq > layout.tk) throw shapeError(kernel, `causal attention needs at least as many keys (${layout.tk}) as queries (${layout.tq})`);
  return { ...layout, heads, scale, causal, keyPadding: pad };
}

/** Views of q, k, v in the (heap) buffers of the sources, and the addon's dims [B, Tq, Tk, H, dh, ldq, ldk, ldv]. */
function qkvViews(g: AttentionLayout, buffers: Float32Array[]): { q: Float32Array; k: Float32Array; v: Float32Array; dims: Int32Array } {
  const d = g.heads * g.headDim;
  if (buffers.length === 1) {
    const qkv = buffers[0]!;
    return { q: qkv, k: qkv.subarray(d), v: qkv.subarray(2 * d), dims: Int32Array.of(g.batch, g.tq, g.tk, g.heads, g.headDim, 3 * d, 3 * d, 3 * d) };
  }
  const [q, kv] = buffers as [Float32Array, Float32Array];
  return { q, k: kv, v: kv.subarray(d), dims: Int32Array.of(g.batch, g.tq, g.tk, g.heads, g.headDim, d, 2 * d, 2 * d) };
}

/**
 * KtAttention: {qkv [B, T, 3D]} (self-attention) or {q [B, Tq, D], kv [B, Tk, 2D]} (cross-attention), optional
 * keyPadding [B, Tk] (nonzero: masked), attrs {heads, scale, causal} -> [out [B, Tq, D], probs [B, H, Tq, Tk]].
 */
export function makeAttention(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.attention;
  return ((args: KernelArgs) => {
    const g = attentionLayout(kernel, args);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput([g.batch, g.tq, g.heads * g.headDim], 'float32');
    const probs = backend.makeOutput([g.batch, g.heads, g.tq, g.tk], 'float32');
    // Views only after allocating the outputs (an allocation may grow the heap).
    const { q, k, v, dims } = qkvViews(g, g.sources.map((t) => heapFloats(backend, t, kernel)));
    const pad = g.keyPadding ? heapFloats(backend, g.keyPadding, kernel) : undefined;
    if (g.batch === 0) return [out, probs];
    addon.attentionForward(q, k, v, heapFloats(backend, out, kernel), heapFloats(backend, probs, kernel), pad, dims, g.scale, g.causal);
    return [out, probs];
  }) as unknown as KernelFunc;
}

/** KtAttentionGrad: the inputs of KtAttention plus probs and dy [B, Tq, D] -> dqkv, or [dq, dkv]. */
export function makeAttentionGrad(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.attentionGrad;
  return ((args: KernelArgs) => {
    const g = attentionLayout(kernel, args);
    const probs = float32Input(args, 'probs', kernel);
    const dy = float32Input(args, 'dy', kernel);
    const d = g.heads * g.headDim;
    if (!sameShape(probs.shape, [g.batch, g.heads, g.tq, g.tk])) throw shapeError(kernel, `probs must be [${g.batch}, ${g.heads}, ${g.tq}, ${g.tk}], got ${JSON.stringify(probs.shape)}`);
    if (!sameShape(dy.shape, [g.batch, g.tq, d])) throw shapeError(kernel, `dy must be [${g.batch}, ${g.tq}, ${d}], got ${JSON.stringify(dy.shape)}`);
    const backend = asWasmBackend(args.backend, kernel);
    const grads = g.sources.map((t) => backend.makeOutput([...t.shape], 'float32'));
    const x = qkvViews(g, g.sources.map((t) => heapFloats(backend, t, kernel)));
    const dx = qkvViews(g, grads.map((t) => heapFloats(backend, t, kernel)));
    if (g.batch === 0) return grads.length === 1 ? grads[0]! : grads;
    addon.attentionBackward(x.q, x.k, x.v, heapFloats(backend, probs, kernel), heapFloats(backend, dy, kernel), dx.q, dx.k, dx.v, x.dims, g.scale);
    return grads.length === 1 ? grads[0]! : grads;
  }) as unknown as KernelFunc;
}

function rowsCols(kernel: string, t: TensorInfo): { rows: number; cols: number } {
  const cols = t.shape[t.shape.length - 1];
  if (t.shape.length < 1 || cols === undefined || cols < 1) throw shapeError(kernel, `logits need a non-empty last dim, got ${JSON.stringify(t.shape)}`);
  return { rows: sizeOf(t.shape) / cols, cols };
}

/** KtSoftmaxXent: {labels, logits} (same shape [..., C]) -> [loss [...], logSoftmax [..., C]]. */
export function makeSoftmaxXent(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.softmaxXent;
  return ((args: KernelArgs) => {
    const labels = float32Input(args, 'labels', kernel);
    const logits = float32Input(args, 'logits', kernel);
    if (!sameShape(labels.shape, logits.shape)) throw shapeError(kernel, `labels ${JSON.stringify(labels.shape)} and logits ${JSON.stringify(logits.shape)} differ`);
    const { rows, cols } = rowsCols(kernel, logits);
    const backend = asWasmBackend(args.backend, kernel);
    const loss = backend.makeOutput(logits.shape.slice(0, -1), 'float32');
    const logSoftmax = backend.makeOutput([...logits.shape], 'float32');
    if (rows > 0) {
      addon.softmaxXentForward(
        heapFloats(backend, logits, kernel),
        heapFloats(backend, labels, kernel),
        heapFloats(backend, loss, kernel),
        heapFloats(backend, logSoftmax, kernel),
        rows,
        cols,
      );
    }
    return [loss, logSoftmax];
  }) as unknown as KernelFunc;
}

/** KtSoftmaxXentGrad: {labels, logSoftmax, dy [...]} -> [dlabels, dlogits]. */
export function makeSoftmaxXentGrad(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.softmaxXentGrad;
  return ((args: KernelArgs) => {
    const labels = float32Input(args, 'labels', kernel);
    const logSoftmax = float32Input(args, 'logSoftmax', kernel);
    const dy = float32Input(args, 'dy', kernel);
    if (!sameShape(labels.shape, logSoftmax.shape)) throw shapeError(kernel, 'labels and logSoftmax differ in shape');
    const { rows, cols } = rowsCols(kernel, logSoftmax);
    if (sizeOf(dy.shape) !== rows) throw shapeError(kernel, `dy must have ${rows} elements, got ${JSON.stringify(dy.shape)}`);
    const backend = asWasmBackend(args.backend, kernel);
    const dlabels = backend.makeOutput([...labels.shape], 'float32');
    const dlogits = backend.makeOutput([...labels.shape], 'float32');
    if (rows > 0) {
      addon.softmaxXentBackward(
        heapFloats(backend, labels, kernel),
        heapFloats(backend, logSoftmax, kernel),
        heapFloats(backend, dy, kernel),
        heapFloats(backend, dlogits, kernel),
        heapFloats(backend, dlabels, kernel),
        rows,
        cols,
      );
    }
    return [dlabels, dlogits];
  }) as unknown as KernelFunc;
}

function invTemperature(attrs: unknown, kernel: string): number {
  const invT = (attrs as Partial<TokenKlAttrs> | undefined)?.invT;
  if (typeof invT !== 'number' || !(invT > 0) || !Number.isFinite(invT)) throw shapeError(kernel, `attr invT must be a finite number > 0, got ${String(invT)}`);
  return invT;
}

function optionalMask(args: KernelArgs, kernel: string, rows: number): TensorInfo | undefined {
  const mask = args.inputs['mask'];
  if (mask === undefined) return undefined;
  if (mask.dtype !== 'float32' || sizeOf(mask.shape) !== rows) throw shapeError(kernel, `mask must be float32 with ${rows} elements, got ${mask.dtype} ${JSON.stringify(mask.shape)}`);
  return mask;
}

/** KtTokenKl: {p, q [..., V], mask? [...]}, attrs {invT} -> [kl [...], logP, logQ [..., V]] (see core's tokenKl). */
export function makeTokenKl(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.tokenKl;
  return ((args: KernelArgs) => {
    const p = float32Input(args, 'p', kernel);
    const q = float32Input(args, 'q', kernel);
    if (!sameShape(p.shape, q.shape)) throw shapeError(kernel, `p ${JSON.stringify(p.shape)} and q ${JSON.stringify(q.shape)} differ`);
    const invT = invTemperature(args.attrs, kernel);
    const { rows, cols } = rowsCols(kernel, p);
    const mask = optionalMask(args, kernel, rows);
    const backend = asWasmBackend(args.backend, kernel);
    const kl = backend.makeOutput(p.shape.slice(0, -1), 'float32');
    const logP = backend.makeOutput([...p.shape], 'float32');
    const logQ = backend.makeOutput([...p.shape], 'float32');
    if (rows > 0) {
      addon.tokenKlForward(
        heapFloats(backend, p, kernel),
        heapFloats(backend, q, kernel),
        mask === undefined ? undefined : heapFloats(backend, mask, kernel),
        invT,
        heapFloats(backend, kl, kernel),
        heapFloats(backend, logP, kernel),
        heapFloats(backend, logQ, kernel),
        rows,
        cols,
      );
    }
    return [kl, logP, logQ];
  }) as unknown as KernelFunc;
}

/**
 * KtTokenJsd: {t, l [..., V], mask? [...]}, attrs {invT, beta} -> [jsd [...], logPl, logM [..., V], klL [...]] (see core's
 * tokenJsd; its gradient is KtTokenKlGrad on logPl, logM, klL).
 */
export function makeTokenJsd(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.tokenJsd;
  return ((args: KernelArgs) => {
    const t = float32Input(args, 't', kernel);
    const l = float32Input(args, 'l', kernel);
    if (!sameShape(t.shape, l.shape)) throw shapeError(kernel, `t ${JSON.stringify(t.shape)} and l ${JSON.stringify(l.shape)} differ`);
    const invT = invTemperature(args.attrs, kernel);
    const beta = (args.attrs as Partial<TokenJsdAttrs> | undefined)?.beta;
    if (typeof beta !== 'number' || !(beta > 0 && beta < 1)) throw shapeError(kernel, `attr beta must be a number in (0, 1), got ${String(beta)}`);
    const { rows, cols } = rowsCols(kernel, t);
    const mask = optionalMask(args, kernel, rows);
    const backend = asWasmBackend(args.backend, kernel);
    const jsd = backend.makeOutput(t.shape.slice(0, -1), 'float32');
    const logPl = backend.makeOutput([...t.shape], 'float32');
    const logM = backend.makeOutput([...t.shape], 'float32');
    const klL = backend.makeOutput(t.shape.slice(0, -1), 'float32');
    if (rows > 0) {
      addon.tokenJsdForward(
        heapFloats(backend, t, kernel),
        heapFloats(backend, l, kernel),
        mask === undefined ? undefined : heapFloats(backend, mask, kernel),
        invT,
        beta,
        heapFloats(backend, jsd, kernel),
        heapFloats(backend, logPl, kernel),
        heapFloats(backend, logM, kernel),
        heapFloats(backend, klL, kernel),
        rows,
        cols,
      );
    }
    return [jsd, logPl, logM, klL];
  }) as unknown as KernelFunc;
}

/** KtTokenKlGrad: {logP, logQ, kl, dy, mask?}, attrs {invT, wrtP} -> the gradient for p's (wrtP) or q's logits. */
export function makeTokenKlGrad(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.tokenKlGrad;
  return ((args: KernelArgs) => {
    const logP = float32Input(args, 'logP', kernel);
    const logQ = float32Input(args, 'logQ', kernel);
    const kl = float32Input(args, 'kl', kernel);
    const dy = float32Input(args, 'dy', kernel);
    if (!sameShape(logP.shape, logQ.shape)) throw shapeError(kernel, 'logP and logQ differ in shape');
    const invT = invTemperature(args.attrs, kernel);
    const wrtP = (args.attrs as Partial<TokenKlAttrs> | undefined)?.wrtP === true;
    const { rows, cols } = rowsCols(kernel, logP);
    if (sizeOf(dy.shape) !== rows || sizeOf(kl.shape) !== rows) throw shapeError(kernel, `dy and kl must have ${rows} elements`);
    const mask = optionalMask(args, kernel, rows);
    const backend = asWasmBackend(args.backend, kernel);
    const grad = backend.makeOutput([...logP.shape], 'float32');
    if (rows > 0) {
      addon.tokenKlBackward(
        heapFloats(backend, logP, kernel),
        heapFloats(backend, logQ, kernel),
        heapFloats(backend, kl, kernel),
        heapFloats(backend, dy, kernel),
        mask === undefined ? undefined : heapFloats(backend, mask, kernel),
        invT,
        wrtP,
        heapFloats(backend, grad, kernel),
        rows,
        cols,
      );
    }
    return grad;
  }) as unknown as KernelFunc;
}

/** KtDropout: {x}, attrs {rate, seed, scale} -> x * scale where the counter-based uniform of (seed, index) >= rate, else 0. */
export function makeDropout(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.dropout;
  return ((args: KernelArgs) => {
    const x = float32Input(args, 'x', kernel);
    const { rate, seed, scale } = (args.attrs ?? {}) as Partial<DropoutAttrs>;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw shapeError(kernel, 'attr rate must be in [0, 1)');
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw shapeError(kernel, 'attr seed must be a uint32');
    if (typeof scale !== 'number' || !Number.isFinite(scale)) throw shapeError(kernel, 'attr scale must be a finite number');
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput([...x.shape], 'float32');
    if (sizeOf(x.shape) > 0) addon.dropout(heapFloats(backend, x, kernel), heapFloats(backend, out, kernel), seed, rate, scale);
    return out;
  }) as unknown as KernelFunc;
}

/**
 * KtEmbeddingGrad: {dy [N, D] float32, ids [N] int32}, attrs {vocab} -> [vocab, D]: dy's rows scatter-added by id, in
 * id order, straight on the heap (core's composite copies dy out and the [vocab, D] result back in).
 */
export function makeEmbeddingGrad(): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.embeddingGrad;
  return ((args: KernelArgs) => {
    const dy = float32Input(args, 'dy', kernel);
    const ids = args.inputs['ids'];
    if (!ids || ids.dtype !== 'int32') throw shapeError(kernel, 'input ids must be int32');
    const { vocab } = (args.attrs ?? {}) as Partial<EmbeddingGradAttrs>;
    if (typeof vocab !== 'number' || !Number.isInteger(vocab) || vocab < 1) throw shapeError(kernel, 'attr vocab must be a positive integer');
    const n = sizeOf(ids.shape);
    const dim = dy.shape[dy.shape.length - 1] ?? 0;
    if (sizeOf(dy.shape) !== n * dim) throw shapeError(kernel, `dy ${JSON.stringify(dy.shape)} does not hold ${n} rows`);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput([vocab, dim], 'float32');
    const dst = heapFloats(backend, out, kernel);
    dst.fill(0);
    const idx = backend.typedArrayFromHeap(ids);
    const src = heapFloats(backend, dy, kernel);
    for (let r = 0; r < n; r++) {
      const id = idx[r]!;
      if (!(id >= 0 && id < vocab)) throw shapeError(kernel, `the id ${id} is not in [0, ${vocab - 1}]`);
      const to = id * dim;
      const from = r * dim;
      for (let d = 0; d < dim; d++) dst[to + d]! += src[from + d]!;
    }
    return out;
  }) as unknown as KernelFunc;
}

/**
 * KtAdam: {value, m, v, grad} (float32, one size), attrs AdamAttrs -> [value', m', v']: tfjs's Adam step in one
 * native pass (the coefficients rounded to float32 as tfjs's scalar tensors are).
 */
export function makeAdam(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.adam;
  return ((args: KernelArgs) => {
    const ins = (['value', 'm', 'v', 'grad'] as const).map((n) => float32Input(args, n, kernel));
    const size = sizeOf(ins[0]!.shape);
    if (ins.some((t) => sizeOf(t.shape) !== size)) throw shapeError(kernel, 'value, m, v and grad differ in size');
    const a = (args.attrs ?? {}) as Partial<AdamAttrs>;
    const keys = ['learningRate', 'beta1', 'beta2', 'epsilon', 'accBeta1', 'accBeta2'] as const;
    for (const k of keys) if (typeof a[k] !== 'number' || !Number.isFinite(a[k])) throw shapeError(kernel, `attr ${k} must be a finite number`);
    const { learningRate, beta1, beta2, epsilon, accBeta1, accBeta2 } = a as AdamAttrs;
    const backend = asWasmBackend(args.backend, kernel);
    const outs = ins.slice(0, 3).map((t) => backend.makeOutput([...t.shape], 'float32'));
    if (size === 0) return outs;
    // Views only after every allocation (an allocation may grow the heap and detach older views).
    const [value, m, v, grad] = ins.map((t) => heapFloats(backend, t, kernel));
    const [valueOut, mOut, vOut] = outs.map((t) => heapFloats(backend, t, kernel));
    const coefficients = Float32Array.of(beta1, 1 - beta1, beta2, 1 - beta2, 1 - Math.fround(accBeta1), 1 - Math.fround(accBeta2), epsilon, -learningRate);
    addon.adamUpdate(value!, m!, v!, grad!, valueOut!, mOut!, vOut!, coefficients);
    return outs;
  }) as unknown as KernelFunc;
}
