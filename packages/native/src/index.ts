import type { KtNativeModule } from '@kt/core';

export { nativeKernels, nativeStatus, defaultThreads, NATIVE_KERNELS, NATIVE_KERNEL_NAMES } from './native-kernels';
export { loadAddon, addonPath } from './addon';
export type { NativeAddon, AddonLoad } from './addon';
export { FUSED_KERNEL_NAMES } from './kernels/fused-kernels';

/**
 * Compile-time check that this module is what core loads it as: core declares the interface once
 * (@kt/core runtime/backend/native-api.ts) and requires this package at run time by name. If an export
 * drifts from it, this line fails to compile.
 */
export type Conforms<M extends KtNativeModule = typeof import('./index')> = M;
