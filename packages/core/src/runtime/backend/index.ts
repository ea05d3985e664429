export { BACKEND_REQUESTS, chooseBackend, parseBackendRequest } from './backend-choice';
export type { BackendChoice, BackendName, BackendRequest } from './backend-choice';
export { currentBackend, initBackend, requestedThreads, TFJS_NODE_PACKAGE } from './init-backend';
export type { BackendInfo, InitBackendOptions } from './init-backend';
export { activeKernels, installedKernels, installKernels, kernelBelow, removeKernels } from './kernel-layers';
export {
  installNativeKernels,
  loadNativeModule,
  NATIVE_KERNELS_OWNER,
  NATIVE_PACKAGE,
  nativeKernelsInstalled,
  removeNativeKernels,
} from './native-accelerator';
export type { NativeInfo, NativeLoadResult } from './native-accelerator';
export { KT_NATIVE_MODULE_MEMBERS } from './native-api';
export type {
  KtNativeModule,
  NativeBlas,
  NativeKernelOptions,
  NativeKernelSet,
  NativeStatus,
} from './native-api';
export {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  WASM_TRAINING_KERNEL_NAMES,
  WASM_TRAINING_KERNELS_OWNER,
  wasmTrainingKernelConfigs,
  wasmTrainingKernelsActive,
} from './wasm-training-kernels';
