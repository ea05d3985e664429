export { nativeStatus, registerNativeKernels, unregisterNativeKernels, defaultThreads, NATIVE_KERNELS } from './native-kernels';
export type { NativeStatus, RegisterOptions } from './native-kernels';
export { loadAddon, addonPath } from './addon';
export type { NativeAddon, AddonLoad } from './addon';
