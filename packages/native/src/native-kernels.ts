import * as os from 'os';
import '@tensorflow/tfjs-backend-wasm';
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { loadAddon } from './addon';
import type { NativeAddon } from './addon';
import { makeConv2D, makeConv2DBackpropFilter, makeConv2DBackpropInput, makeFusedConv2D } from './kernels/conv-kernels';
import {
  makeBinary,
  makeCast,
  makeGatherV2,
  makeIdentity,
  makeMax,
  makeMean,
  makePadV2,
  makePow,
  makeSlice,
  makeSum,
  makeTranspose,
  makeUnary,
  makeUnpack,
} from './kernels/elementwise-kernels';
import {
  FUSED_KERNEL_NAMES,
  makeAttention,
  makeAttentionGrad,
  makeGelu,
  makeGeluGrad,
  makeLayerNorm,
  makeLayerNormGrad,
  makeSoftmaxXent,
  makeSoftmaxXentGrad,
} from './kernels/fused-kernels';
import { makeBatchMatMul, makeFusedMatMul } from './kernels/matmul-kernels';
import type { Fallback, KernelArgs } from './kernels/matmul-kernels';

export interface NativeStatus {
  available: boolean;
  blas: 'openblas' | 'cblas' | 'portable' | 'none';
  threads: number;
  reason?: string;
  kernels: string[];
}

export interface RegisterOptions {
  /** 'system' uses the BLAS found at build time (falls back to portable); 'portable' forces the built-in GEMM. */
  blas?: 'system' | 'portable';
  /** Threads for the GEMM and OpenBLAS; default KT_NUM_THREADS or the number of cores. */
  threads?: number;
}

const BACKEND = 'wasm';

type KernelFactory = (addon: NativeAddon, fallback: Fallback) => KernelFunc;

/** The kernels this package registers, in registration order. */
export const NATIVE_KERNELS: ReadonlyArray<readonly [string, KernelFactory]> = [
  ['BatchMatMul', makeBatchMatMul],
  ['_FusedMatMul', makeFusedMatMul],
  ['Conv2D', makeConv2D],
  ['FusedConv2D', makeFusedConv2D],
  ['Conv2DBackpropInput', makeConv2DBackpropInput],
  ['Conv2DBackpropFilter', makeConv2DBackpropFilter],
  // Elementwise kernels that dominate a transformer step once the matmuls are native.
  ['Tanh', makeUnary('Tanh')],
  ['Exp', makeUnary('Exp')],
  ['Sigmoid', makeUnary('Sigmoid')],
  ['Pow', makePow],
  // Per-op costs of the many small kernels of a training step.
  ['Add', makeBinary('Add')],
  ['Sub', makeBinary('Sub')],
  ['Multiply', makeBinary('Multiply')],
  ['RealDiv', makeBinary('RealDiv')],
  ['Sum', makeSum],
  ['Identity', makeIdentity],
  ['Cast', makeCast],
  // wasm's Transpose is slow on large 2-D swaps (e.g. [640, 6000]); MT models transpose explicitly.
  ['Transpose', makeTranspose],
  // wasm's Slice copies the whole input out of the heap first (readSync); PadV2 is Slice's gradient.
  ['Slice', makeSlice],
  ['PadV2', makePadV2],
  // The MT KD step's next bottlenecks after the matmuls: wasm's Unpack slices (and copies the whole input
  // out of the heap) once per output, its GatherV2 and Max are slow on [6000, 256] / [640, 6000].
  ['Unpack', makeUnpack],
  ['GatherV2', makeGatherV2],
  ['Max', makeMax],
  ['Mean', makeMean],
  // Fused training ops under custom names (used by fused-ops.ts through tf.customGrad).
  [FUSED_KERNEL_NAMES.gelu, makeGelu],
  [FUSED_KERNEL_NAMES.geluGrad, makeGeluGrad],
  [FUSED_KERNEL_NAMES.layerNorm, makeLayerNorm],
  [FUSED_KERNEL_NAMES.layerNormGrad, makeLayerNormGrad],
  [FUSED_KERNEL_NAMES.attention, makeAttention],
  [FUSED_KERNEL_NAMES.attentionGrad, makeAttentionGrad],
  [FUSED_KERNEL_NAMES.softmaxXent, makeSoftmaxXent],
  [FUSED_KERNEL_NAMES.softmaxXentGrad, makeSoftmaxXentGrad],
];

interface Registration {
  previous: Map<string, KernelConfig | undefined>;
  ours: Map<string, KernelConfig>;
  blas: NativeStatus['blas'];
  threads: number;
}

let registration: Registration | undefined;

export function defaultThreads(): number {
  const fromEnv = Number.parseInt(process.env['KT_NUM_THREADS'] ?? '', 10);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return Math.min(fromEnv, 256);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, 256));
}

function requestedBlas(opts?: RegisterOptions): 'system' | 'portable' {
  if (opts?.blas) return opts.blas;
  return process.env['KT_NATIVE_BLAS'] === 'portable' ? 'portable' : 'system';
}

function effectiveBlas(addon: NativeAddon, want: 'system' | 'portable'): NativeStatus['blas'] {
  const compiled = addon.info().blas;
  return want === 'system' && compiled !== 'none' ? compiled : 'portable';
}

/** What the native kernels are (or would be) running with. Never throws. */
export function nativeStatus(): NativeStatus {
  try {
    const load = loadAddon();
    if (!load.addon) {
      return { available: false, blas: 'none', threads: 0, reason: load.reason ?? 'addon unavailable', kernels: [] };
    }
    if (registration) {
      return { available: true, blas: registration.blas, threads: registration.threads, kernels: [...registration.ours.keys()] };
    }
    return { available: true, blas: effectiveBlas(load.addon, requestedBlas()), threads: defaultThreads(), kernels: [] };
  } catch (err) {
    return { available: false, blas: 'none', threads: 0, reason: err instanceof Error ? err.message : String(err), kernels: [] };
  }
}

function fallbackFor(name: string, previous: KernelConfig | undefined): Fallback {
  return (args: KernelArgs): TensorInfo | TensorInfo[] => {
    if (!previous) throw new Error(`@kt/native ${name}: these inputs are not supported and no previous '${BACKEND}' kernel exists`);
    return (previous.kernelFunc as unknown as Fallback)(args);
  };
}

/**
 * Registers the native kernels on the 'wasm' backend, replacing (and
 * remembering) the registrations found there. Calling it again re-configures
 * the BLAS mode and threads. Returns the status; when the addon is missing
 * nothing is registered and `available` is false.
 */
export function registerNativeKernels(opts?: RegisterOptions): NativeStatus {
  const load = loadAddon();
  if (!load.addon) return nativeStatus();
  const addon = load.addon;
  const want = requestedBlas(opts);
  const threads = opts?.threads !== undefined ? Math.max(1, Math.min(256, Math.floor(opts.threads))) : defaultThreads();
  addon.configure(want === 'system', threads);
  const blas = effectiveBlas(addon, want);
  if (registration) {
    registration.blas = blas;
    registration.threads = threads;
    return nativeStatus();
  }
  const previous = new Map<string, KernelConfig | undefined>();
  const ours = new Map<string, KernelConfig>();
  for (const [name, factory] of NATIVE_KERNELS) {
    const prev = getKernel(name, BACKEND);
    previous.set(name, prev);
    if (prev) unregisterKernel(name, BACKEND);
    const config: KernelConfig = {
      kernelName: name,
      backendName: BACKEND,
      kernelFunc: factory(addon, fallbackFor(name, prev)),
      // Keep the replaced kernel set up if the wasm backend initialises later,
      // so that it works again after unregisterNativeKernels().
      setupFunc: prev?.setupFunc,
    };
    registerKernel(config);
    ours.set(name, config);
  }
  registration = { previous, ours, blas, threads };
  return nativeStatus();
}

/** Restores the 'wasm' kernel registrations that were there before registerNativeKernels(). */
export function unregisterNativeKernels(): void {
  if (!registration) return;
  for (const [name, config] of registration.ours) {
    if (getKernel(name, BACKEND) === config) unregisterKernel(name, BACKEND);
    const prev = registration.previous.get(name);
    if (prev && !getKernel(name, BACKEND)) registerKernel(prev);
  }
  registration = undefined;
}
