import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { KtKernelNames } from '@kt/core';
import type { NativeAddon } from '../addon';
import type { KernelArgs } from './matmul-kernels';
import { asWasmBackend, heapFloats, shapeError, sizeOf } from './wasm-heap';

/**
 * Kernel names of core's fused ops (@kt/core ops/kernel-names.ts declares them; typing this table as
 * KtKernelNames makes any name that differs a compile error).
 */
export const FUSED_KERNEL_NAMES: KtKernelNames = {
  gelu: 'KtGelu',
  geluGrad: 'KtGeluGrad',
  layerNorm: 'KtLayerNorm',
  layerNormGrad: 'KtLayerNormGrad',
  attention: 'KtAttention',
  attentionGrad: 'KtAttentionGrad',
  softmaxXent: 'KtSoftmaxXent',
  softmaxXentGrad: 'KtSoftmaxXentGrad',
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

interface AttentionGeometry {
  batch: number;
  time: number;
  heads: number;
  headDim: number;
  scale: number;
}

function attentionGeometry(kernel: string, qkv: TensorInfo, args: KernelArgs): AttentionGeometry {
  const heads = args.attrs?.['heads'];
  const scale = args.attrs?.['scale'];
  if (qkv.shape.length !== 3) throw shapeError(kernel, `qkv must be [batch, time, 3 * model], got ${JSON.stringify(qkv.shape)}`);
  const [batch, time, width] = qkv.shape as [number, number, number];
  if (typeof heads !== 'number' || !Number.isInteger(heads) || heads < 1) throw shapeError(kernel, 'attr heads must be a positive integer');
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw shapeError(kernel, 'attr scale must be a finite number');
  if (width % (3 * heads) !== 0) throw shapeError(kernel, `qkv's last dim ${width} is not 3 * heads (${heads}) * headDim`);
  return { batch, time, heads, headDim: width / (3 * heads), scale };
}

/** KtAttention: {qkv [B, T, 3*H*dh]}, attrs {heads, scale, causal} -> [out [B, T, H*dh], probs [B, H, T, T]]. */
export function makeAttention(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.attention;
  return ((args: KernelArgs) => {
    const qkv = float32Input(args, 'qkv', kernel);
    const g = attentionGeometry(kernel, qkv, args);
    const causal = Boolean(args.attrs?.['causal']);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput([g.batch, g.time, g.heads * g.headDim], 'float32');
    const probs = backend.makeOutput([g.batch, g.heads, g.time, g.time], 'float32');
    if (g.batch > 0 && g.time > 0) {
      addon.attentionForward(
        heapFloats(backend, qkv, kernel),
        heapFloats(backend, out, kernel),
        heapFloats(backend, probs, kernel),
        g.batch,
        g.time,
        g.heads,
        g.headDim,
        g.scale,
        causal,
      );
    }
    return [out, probs];
  }) as unknown as KernelFunc;
}

/** KtAttentionGrad: {qkv, probs, dy}, attrs {heads, scale} -> dqkv. */
export function makeAttentionGrad(addon: NativeAddon): KernelFunc {
  const kernel = FUSED_KERNEL_NAMES.attentionGrad;
  return ((args: KernelArgs) => {
    const qkv = float32Input(args, 'qkv', kernel);
    const probs = float32Input(args, 'probs', kernel);
    const dy = float32Input(args, 'dy', kernel);
    const g = attentionGeometry(kernel, qkv, args);
    if (!sameShape(probs.shape, [g.batch, g.heads, g.time, g.time])) throw shapeError(kernel, `probs must be [${g.batch}, ${g.heads}, ${g.time}, ${g.time}], got ${JSON.stringify(probs.shape)}`);
    if (!sameShape(dy.shape, [g.batch, g.time, g.heads * g.headDim])) throw shapeError(kernel, `dy must be [${g.batch}, ${g.time}, ${g.heads * g.headDim}], got ${JSON.stringify(dy.shape)}`);
    const backend = asWasmBackend(args.backend, kernel);
    const dqkv = backend.makeOutput([...qkv.shape], 'float32');
    if (g.batch > 0 && g.time > 0) {
      addon.attentionBackward(
        heapFloats(backend, qkv, kernel),
        heapFloats(backend, probs, kernel),
        heapFloats(backend, dy, kernel),
        heapFloats(backend, dqkv, kernel),
        g.batch,
        g.time,
        g.heads,
        g.headDim,
        g.scale,
      );
    }
    return dqkv;
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
