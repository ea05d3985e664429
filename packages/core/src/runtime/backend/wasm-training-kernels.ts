import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './kernels/conv2d-backprop-filter';
import { makeConv2dBackpropInput } from './kernels/conv2d-backprop-input';
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from './kernels/depthwise-conv2d-backprop';
import { maxPoolGradConfig } from './kernels/max-pool-grad';
import { oneHotConfig } from './kernels/one-hot';
import { unsortedSegmentSumConfig } from './kernels/unsorted-segment-sum';
import { WASM_BACKEND } from './kernels/wasm-kernel-utils';
import { activeKernels, installedKernels, installKernels, kernelBelow, removeKernels } from './kernel-layers';
import { requireOptional } from './native-accelerator';

const WASM_BACKEND_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** Owner of kt's training kernels in the kernel layers. */
export const WASM_TRAINING_KERNELS_OWNER = 'kt training kernels';

const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: WASM_BACKEND,
  // Falls back to the kernel it replaced (the built-in) for geometries it does not handle.
  kernelFunc: makeConv2dBackpropInput(() => kernelBelow(WASM_TRAINING_KERNELS_OWNER, tf.Conv2DBackpropInput, WASM_BACKEND)),
};

/**
 * kt's training kernels for tfjs-backend-wasm 4.22, one explicit list: the four gradient kernels
 * the wasm backend lacks (so conv layers and embeddings cannot train on it), a correct MaxPoolGrad
 * (the built-in one mis-routes the gradient of all-negative windows), a fast Conv2DBackpropInput (the
 * built-in one is ~8x slower than a forward convolution) and a OneHot that honours a float32 dtype.
 */
export const wasmTrainingKernelConfigs: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
  maxPoolGradConfig,
  oneHotConfig,
];

/** Names of the kernels {@link registerWasmTrainingKernels} installs on the 'wasm' backend. */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = wasmTrainingKernelConfigs.map((c) => c.kernelName);

/**
 * Installs kt's training kernels on the 'wasm' backend as one kernel layer (runtime/backend/kernel-layers.ts)
 * over what is registered; {@link unregisterWasmTrainingKernels} restores it. Idempotent. Safe before or
 * after the wasm backend is initialised: kernels are looked up per call.
 */
export function registerWasmTrainingKernels(): void {
  // The wasm backend registers its built-in kernels when its module loads: load it first so it
  // cannot overwrite ours later.
  requireOptional(WASM_BACKEND_PACKAGE);
  if (installedKernels(WASM_TRAINING_KERNELS_OWNER).length === wasmTrainingKernelConfigs.length) {
    return;
  }
  installKernels(WASM_TRAINING_KERNELS_OWNER, wasmTrainingKernelConfigs);
}

/**
 * Removes kt's training kernels; each goes back to what was registered below it (a layer installed
 * later, e.g. @kt/native's, stays on top).
 */
export function unregisterWasmTrainingKernels(): void {
  removeKernels(WASM_TRAINING_KERNELS_OWNER);
}

/** True when every kt training kernel is the one currently registered on 'wasm'. */
export function wasmTrainingKernelsActive(): boolean {
  return activeKernels(WASM_TRAINING_KERNELS_OWNER).length === wasmTrainingKernelConfigs.length;
}
