import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BatchNormAttrs, KtKernelNames } from '@kt/core';
import type { NativeAddon } from '../addon';
import type { KernelArgs } from './matmul-kernels';
import { asWasmBackend, heapFloats, shapeError, sizeOf } from './wasm-heap';

/** Kernel names of core's batchNorm op (typed from core's table: a name that differs is a compile error). */
export const NORM_KERNEL_NAMES: Pick<KtKernelNames, 'batchNorm' | 'batchNormGrad'> = {
  batchNorm: 'KtBatchNorm',
  batchNormGrad: 'KtBatchNormGrad',
};

function float32Input(args: KernelArgs, name: string, kernel: string): TensorInfo {
  const t = args.inputs[name];
  if (!t) throw shapeError(kernel, `missing input '${name}'`);
  if (t.dtype !== 'float32') throw shapeError(kernel, `input '${name}' must be float32, got ${t.dtype}`);
  return t;
}

/** x [..., C] as rows x C, with every per-channel input of shape [C]. */
function geometry(kernel: string, x: TensorInfo, perChannel: Record<string, TensorInfo>): { rows: number; channels: number } {
  const channels = x.shape[x.shape.length - 1];
  if (x.shape.length < 2 || channels === undefined || channels < 1) {
    throw shapeError(kernel, `x must be [..., channels] of rank >= 2 with channels >= 1, got ${JSON.stringify(x.shape)}`);
  }
  for (const [name, t] of Object.entries(perChannel)) {
    if (t.shape.length !== 1 || t.shape[0] !== channels) throw shapeError(kernel, `${name} must have shape [${channels}], got ${JSON.stringify(t.shape)}`);
  }
  return { rows: sizeOf(x.shape) / channels, channels };
}

function epsilonOf(args: KernelArgs, kernel: string): number {
  const { epsilon } = (args.attrs ?? {}) as Partial<BatchNormAttrs>;
  if (typeof epsilon !== 'number' || !(epsilon >= 0) || !Number.isFinite(epsilon)) throw shapeError(kernel, 'attr epsilon must be a finite number >= 0');
  return epsilon;
}

/** The optional eval-mode statistics (both or neither) under `names`, as float32 inputs. */
function runningStats(args: KernelArgs, kernel: string, names: [string, string]): { runningMean?: TensorInfo; runningVariance?: TensorInfo } {
  const [m, v] = names.map((n) => args.inputs[n]);
  if (m === undefined && v === undefined) return {};
  if (m === undefined || v === undefined) throw shapeError(kernel, 'runningMean and runningVariance must be given together');
  return { runningMean: float32Input(args, names[0], kernel), runningVariance: float32Input(args, names[1], kernel) };
}

/**
 * KtBatchNorm: positional inputs [x [..., C], gamma [C], beta [C]] or [x, gamma, beta, runningMean [C], runningVariance
 * [C]] (an array: core's op saves the optional ones for its gradient), attrs {epsilon} -> [y, mean [C], variance [C]]: the batch mean and biased variance of every channel over the other axes (NHWC: N, H, W)
 * and y = (x - m) / sqrt(v + eps) * gamma + beta with (m, v) the batch statistics, or the running ones when given.
 */
export function makeBatchNorm(addon: NativeAddon): KernelFunc {
  const kernel = NORM_KERNEL_NAMES.batchNorm;
  return ((args: KernelArgs) => {
    const x = float32Input(args, '0', kernel);
    const gamma = float32Input(args, '1', kernel);
    const beta = float32Input(args, '2', kernel);
    const running = runningStats(args, kernel, ['3', '4']);
    const { rows, channels } = geometry(kernel, x, { gamma, beta, ...running });
    const epsilon = epsilonOf(args, kernel);
    const backend = asWasmBackend(args.backend, kernel);
    const y = backend.makeOutput([...x.shape], 'float32');
    const mean = backend.makeOutput([channels], 'float32');
    const variance = backend.makeOutput([channels], 'float32');
    // Views only after every allocation (an allocation may grow the heap and detach older views).
    const [xv, gv, bv, yv, mv, vv] = [x, gamma, beta, y, mean, variance].map((t) => heapFloats(backend, t, kernel));
    const rm = running.runningMean ? heapFloats(backend, running.runningMean, kernel) : undefined;
    const rv = running.runningVariance ? heapFloats(backend, running.runningVariance, kernel) : undefined;
    addon.batchNormForward(xv!, gv!, bv!, rm, rv, yv!, mv!, vv!, rows, channels, epsilon);
    return [y, mean, variance];
  }) as unknown as KernelFunc;
}

/**
 * KtBatchNormGrad: {x, gamma, mean, variance, dy, dmean, dvariance, optional runningMean and runningVariance (constants:
 * KtBatchNorm's eval-mode inputs)}, attrs {epsilon} -> [dx, dgamma, dbeta].
 */
export function makeBatchNormGrad(addon: NativeAddon): KernelFunc {
  const kernel = NORM_KERNEL_NAMES.batchNormGrad;
  return ((args: KernelArgs) => {
    const names = ['x', 'gamma', 'mean', 'variance', 'dy', 'dmean', 'dvariance'] as const;
    const [x, gamma, mean, variance, dy, dmean, dvariance] = names.map((n) => float32Input(args, n, kernel)) as [
      TensorInfo,
      TensorInfo,
      TensorInfo,
      TensorInfo,
      TensorInfo,
      TensorInfo,
      TensorInfo,
    ];
    const running = runningStats(args, kernel, ['runningMean', 'runningVariance']);
    const { rows, channels } = geometry(kernel, x, { gamma, mean, variance, dmean, dvariance, ...running });
    if (sizeOf(dy.shape) !== sizeOf(x.shape)) throw shapeError(kernel, `dy ${JSON.stringify(dy.shape)} and x ${JSON.stringify(x.shape)} differ in size`);
    const epsilon = epsilonOf(args, kernel);
    const backend = asWasmBackend(args.backend, kernel);
    const dx = backend.makeOutput([...x.shape], 'float32');
    const dgamma = backend.makeOutput([channels], 'float32');
    const dbeta = backend.makeOutput([channels], 'float32');
    const views = [x, gamma, mean, variance, dy, dmean, dvariance, dx, dgamma, dbeta].map((t) => heapFloats(backend, t, kernel));
    const rm = running.runningMean ? heapFloats(backend, running.runningMean, kernel) : undefined;
    const rv = running.runningVariance ? heapFloats(backend, running.runningVariance, kernel) : undefined;
    const [xv, gv, mv, vv, dyv, dmv, dvv, dxv, dgv, dbv] = views as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    addon.batchNormBackward(xv, gv, mv, vv, rm, rv, dyv, dmv, dvv, dxv, dgv, dbv, rows, channels, epsilon);
    return [dx, dgamma, dbeta];
  }) as unknown as KernelFunc;
}
