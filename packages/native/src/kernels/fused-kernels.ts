import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../addon';
import type { KernelArgs } from './matmul-kernels';
import { asWasmBackend, heapFloats, shapeError, sizeOf } from './wasm-heap';

/** Custom kernel names (wasm only) of the fused training ops; see fused-ops.ts. */
export const FUSED_KERNEL_NAMES = {
  gelu: 'KtGelu',
  geluGrad: 'KtGeluGrad',
  layerNorm: 'KtLayerNorm',
  layerNormGrad: 'KtLayerNormGrad',
} as const;

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
