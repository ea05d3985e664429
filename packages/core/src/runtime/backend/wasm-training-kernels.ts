import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './kernels/conv2d-backprop-filter';
import { makeConv2dBackpropInput } from './kernels/conv2d-backprop-input';
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from './kernels/depthwise-conv2d-backprop';
import { maxPoolGradConfig } from './kernels/max-pool-grad';
import { unsortedSegmentSumConfig } from './kernels/unsorted-segment-sum';
import { WASM_BACKEND } from './kernels/wasm-kernel-utils';
import { requireOptional } from './native-accelerator';

const WASM_BACKEND_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** What each of our registrations replaced (undefined: nothing was registered). */
const replaced = new Map<string, tf.KernelConfig | undefined>();

const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: WASM_BACKEND,
  // Falls back to the kernel it replaced (the built-in) for geometries it does not handle.
  kernelFunc: makeConv2dBackpropInput(() => replaced.get(tf.Conv2DBackpropInput)),
};

/**
 * kt's training kernels for tfjs-backend-wasm 4.22, one explicit list: the four gradient kernels
 * the wasm backend lacks (so conv layers and embeddings cannot train on it), a correct MaxPoolGrad
 * (the built-in one mis-routes the gradient of all-negative windows) and a fast
 * Conv2DBackpropInput (the built-in one is ~8x slower than a forward convolution).
 */
export const wasmTrainingKernelConfigs: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
  maxPoolGradConfig,
];

/** Names of the kernels {@link registerWasmTrainingKernels} installs on the 'wasm' backend. */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = wasmTrainingKernelConfigs.map((c) => c.kernelName);

/**
 * Registers kt's training kernels on the 'wasm' backend, replacing any registration of the same
 * kernels (the previous ones are kept and restored by {@link unregisterWasmTrainingKernels}).
 * Idempotent. Safe before or after the wasm backend is initialised: kernels are looked up per call.
 */
export function registerWasmTrainingKernels(): void {
  // The wasm backend registers its built-in kernels when its module loads: load it first so it
  // cannot overwrite ours later.
  requireOptional(WASM_BACKEND_PACKAGE);
  for (const config of wasmTrainingKernelConfigs) {
    if (replaced.has(config.kernelName)) {
      continue;
    }
    const previous = tf.getKernel(config.kernelName, WASM_BACKEND);
    if (previous !== undefined) {
      tf.unregisterKernel(config.kernelName, WASM_BACKEND);
    }
    tf.registerKernel(config);
    replaced.set(config.kernelName, previous);
  }
}

/**
 * Removes kt's training kernels and restores what was registered before. A kernel that someone
 * else has since re-registered (e.g. @kt/native) is left as it is.
 */
export function unregisterWasmTrainingKernels(): void {
  for (const config of wasmTrainingKernelConfigs) {
    if (!replaced.has(config.kernelName)) {
      continue;
    }
    const previous = replaced.get(config.kernelName);
    replaced.delete(config.kernelName);
    if (tf.getKernel(config.kernelName, WASM_BACKEND) !== config) {
      continue;
    }
    tf.unregisterKernel(config.kernelName, WASM_BACKEND);
    if (previous !== undefined) {
      tf.registerKernel(previous);
    }
  }
}

/** True when every kt training kernel is the one currently registered on 'wasm'. */
export function wasmTrainingKernelsActive(): boolean {
  return wasmTrainingKernelConfigs.every((c) => tf.getKernel(c.kernelName, WASM_BACKEND) === c);
}
