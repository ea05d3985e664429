export {
  BACKEND_REQUESTS,
  currentBackend,
  initBackend,
  parseBackendRequest,
  requestedThreads,
  TFJS_NODE_PACKAGE,
} from './init-backend';
export type { BackendInfo, BackendName, BackendRequest, InitBackendOptions } from './init-backend';
export { loadNativeModule, NATIVE_PACKAGE } from './native-accelerator';
export type { KtNativeModule, NativeBlas, NativeInfo, NativeLoadResult, NativeStatus } from './native-accelerator';
export {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  WASM_TRAINING_KERNEL_NAMES,
  wasmTrainingKernelConfigs,
  wasmTrainingKernelsActive,
} from './wasm-training-kernels';
