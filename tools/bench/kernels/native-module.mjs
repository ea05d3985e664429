// @kt/native through core: core's backend set-up loads the addon (loadNativeModule, the one interface between
// core and native) and installs or removes its kernels (installNativeKernels / removeNativeKernels), so the
// benchmarks never import native themselves. When the addon cannot load, the status says why and nothing
// is installed, so the native columns stay empty.
import { installNativeKernels, loadNativeModule, removeNativeKernels } from '@kt/core';

/** The addon's status and switches for its kernels on the wasm backend. */
export function nativeModule() {
  const loaded = loadNativeModule();
  const status = loaded.module !== undefined ? loaded.module.nativeStatus() : { available: false, blas: 'none', threads: 0, reason: loaded.reason, kernels: [] };
  return {
    nativeStatus: () => status,
    /** @param {{ blas?: 'system' | 'portable', threads?: number }} options */
    registerNativeKernels: (options = {}) => installNativeKernels(options),
    unregisterNativeKernels: () => removeNativeKernels(),
  };
}
