import * as os from 'os';
import '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { NativeKernelOptions, NativeKernelSet, NativeStatus } from '@kt/core';
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
  makeTile,
  makeTranspose,
  makeUnary,
  makeUnpack,
} from './kernels/elementwise-kernels';
import {
  FUSED_KERNEL_NAMES,
  makeAdam,
  makeAttention,
  makeAttentionGrad,
  makeDropout,
  makeEmbeddingGrad,
  makeGelu,
  makeGeluGrad,
  makeLayerNorm,
  makeLayerNormGrad,
  makeSoftmaxXent,
  makeSoftmaxXentGrad,
  makeTokenKl,
  makeTokenKlGrad,
  makeTokenJsd,
} from './kernels/fused-kernels';
import { makeBatchMatMul, makeFusedMatMul } from './kernels/matmul-kernels';
import { makeBatchNorm, makeBatchNormGrad, NORM_KERNEL_NAMES } from './kernels/norm-kernels';
import { makeMaxPoolGrad } from './kernels/pool-kernels';
import { makeSplitV } from './kernels/split-kernels';
import type { Fallback, KernelArgs } from './kernels/matmul-kernels';

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
  // wasm's Tile indexes per element in JavaScript; tf.where broadcasts its condition through it (a
  // [32, 20, 1] padding mask over a 6000-word vocabulary took 0.35 s).
  ['Tile', makeTile],
  ['Mean', makeMean],
  // Kernels of core's fused ops (@kt/core ops/: gelu, layerNorm, selfAttention, softmaxCrossEntropy).
  [FUSED_KERNEL_NAMES.gelu, makeGelu],
  [FUSED_KERNEL_NAMES.geluGrad, makeGeluGrad],
  [FUSED_KERNEL_NAMES.layerNorm, makeLayerNorm],
  [FUSED_KERNEL_NAMES.layerNormGrad, makeLayerNormGrad],
  [FUSED_KERNEL_NAMES.attention, makeAttention],
  [FUSED_KERNEL_NAMES.attentionGrad, makeAttentionGrad],
  [FUSED_KERNEL_NAMES.softmaxXent, makeSoftmaxXent],
  [FUSED_KERNEL_NAMES.softmaxXentGrad, makeSoftmaxXentGrad],
  // core's tokenKl op: the word-level KL's log-softmaxes, sum and gradient in one pass each.
  [FUSED_KERNEL_NAMES.tokenKl, makeTokenKl],
  [FUSED_KERNEL_NAMES.tokenKlGrad, makeTokenKlGrad],
  // core's tokenJsd op (word-level JSD): both log-softmaxes, the mixture and the two KLs in one pass (backward: KtTokenKlGrad).
  [FUSED_KERNEL_NAMES.tokenJsd, makeTokenJsd],
  // Dropout with a counter-based mask from a seed: no mask tensor drawn in JavaScript.
  [FUSED_KERNEL_NAMES.dropout, makeDropout],
  // embeddingLookup's table gradient on the heap.
  [FUSED_KERNEL_NAMES.embeddingGrad, makeEmbeddingGrad],
  // core's adamUpdate op (FusedAdam): a variable's whole Adam step in one pass.
  [FUSED_KERNEL_NAMES.adam, makeAdam],
  // core's batchNorm op (image models): statistics and normalisation in one kernel, all three gradients in one.
  [NORM_KERNEL_NAMES.batchNorm, makeBatchNorm],
  [NORM_KERNEL_NAMES.batchNormGrad, makeBatchNormGrad],
  // The image models' next cost after the convolutions: MaxPoolGrad (core's wasm training kernel loops in JavaScript).
  ['MaxPoolGrad', makeMaxPoolGrad],
  // tf.concat's gradient (DeepInversion's jitter rolls images by slices and a concat): wasm's SplitV reads the whole
  // input out of the heap once per part.
  ['SplitV', makeSplitV],
];

/** Every kernel name {@link nativeKernels} returns when the addon is available. */
export const NATIVE_KERNEL_NAMES: readonly string[] = NATIVE_KERNELS.map(([name]) => name);

/** The BLAS mode and threads the addon was last configured with (by nativeKernels). */
let configured: { blas: NativeStatus['blas']; threads: number } | undefined;

export function defaultThreads(): number {
  const fromEnv = Number.parseInt(process.env['KT_NUM_THREADS'] ?? '', 10);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return Math.min(fromEnv, 256);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, 256));
}

function requestedBlas(opts?: Pick<NativeKernelOptions, 'blas'>): 'system' | 'portable' {
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
    const { blas, threads } = configured ?? { blas: effectiveBlas(load.addon, requestedBlas()), threads: defaultThreads() };
    return { available: true, blas, threads, kernels: [...NATIVE_KERNEL_NAMES] };
  } catch (err) {
    return { available: false, blas: 'none', threads: 0, reason: err instanceof Error ? err.message : String(err), kernels: [] };
  }
}

function fallbackFor(name: string, below: NativeKernelOptions['below']): Fallback {
  return (args: KernelArgs): TensorInfo | TensorInfo[] => {
    const previous = below(name);
    if (!previous) throw new Error(`@kt/native ${name}: these inputs are not supported and no other '${BACKEND}' kernel is registered`);
    return (previous.kernelFunc as unknown as Fallback)(args);
  };
}

/**
 * Configures the addon (BLAS mode, threads) and returns the native kernels for the 'wasm' backend;
 * registering them is the caller's (core's kernel layers). Each kernel runs `options.below(name)` for
 * inputs it does not handle. Calling it again re-configures the addon (kernels already registered use
 * the new settings). When the addon is missing: `configs` is empty and `status.available` false.
 */
export function nativeKernels(options: NativeKernelOptions): NativeKernelSet {
  const load = loadAddon();
  if (!load.addon) return { status: nativeStatus(), configs: [] };
  const addon = load.addon;
  const want = requestedBlas(options);
  const threads = options.threads !== undefined ? Math.max(1, Math.min(256, Math.floor(options.threads))) : defaultThreads();
  addon.configure(want === 'system', threads);
  configured = { blas: effectiveBlas(addon, want), threads };
  const configs = NATIVE_KERNELS.map(
    ([name, factory]): KernelConfig => ({ kernelName: name, backendName: BACKEND, kernelFunc: factory(addon, fallbackFor(name, options.below)) }),
  );
  return { status: nativeStatus(), configs };
}
