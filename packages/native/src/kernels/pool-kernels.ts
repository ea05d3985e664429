import { backend_util } from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../addon';
import type { Fallback, KernelArgs } from './matmul-kernels';
import { asWasmBackend, heapFloats, shapeError, sizeOf } from './wasm-heap';

type Pair = [number, number];
type PoolPad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

function pair(kernel: string, name: string, v: unknown): number | Pair {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number')) return v as Pair;
  throw shapeError(kernel, `attr ${name} must be a number or [h, w]`);
}

/**
 * MaxPoolGrad: {dy [B, outH, outW, C], input [B, H, W, C], output}, attrs {filterSize, strides, pad, dimRoundingMode}
 * -> dx [B, H, W, C], in one native pass (parallel over the batch). Same routing as core's wasm training kernel and the
 * cpu backend: each output cell's gradient goes to the first strictly-greatest valid input of its window. Other
 * dtypes go to the kernel below.
 */
export function makeMaxPoolGrad(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'MaxPoolGrad';
  return ((args: KernelArgs) => {
    const dy = args.inputs['dy'];
    const input = args.inputs['input'];
    if (!dy || !input) throw shapeError(kernel, 'missing input dy or input');
    if (dy.dtype !== 'float32' || input.dtype !== 'float32' || input.shape.length !== 4) return fallback(args);
    const attrs = args.attrs ?? {};
    const info = backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      pair(kernel, 'filterSize', attrs['filterSize']),
      pair(kernel, 'strides', attrs['strides']),
      1,
      attrs['pad'] as PoolPad,
      attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    );
    const outShape = [info.batchSize, info.outHeight, info.outWidth, info.inChannels];
    if (sizeOf(dy.shape) !== sizeOf(outShape)) throw shapeError(kernel, `dy ${JSON.stringify(dy.shape)} does not match the pooled shape ${JSON.stringify(outShape)}`);
    const backend = asWasmBackend(args.backend, kernel);
    const dx: TensorInfo = backend.makeOutput([...input.shape], 'float32');
    if (sizeOf(input.shape) === 0) return dx;
    const params = Int32Array.of(
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      info.strideHeight,
      info.strideWidth,
      info.dilationHeight,
      info.dilationWidth,
      info.effectiveFilterHeight,
      info.effectiveFilterWidth,
      info.padInfo.top,
      info.padInfo.left,
    );
    addon.maxPoolGrad(heapFloats(backend, input, kernel), heapFloats(backend, dy, kernel), heapFloats(backend, dx, kernel), params);
    return dx;
  }) as unknown as KernelFunc;
}
