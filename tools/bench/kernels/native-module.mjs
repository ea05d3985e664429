// @kt/native as core's backend set-up loads it (core's loadNativeModule: the one interface between core and
// native), so the benchmarks do not import native themselves. When the addon cannot load, a stand-in reports
// it unavailable (with the reason) and registers nothing, so the native columns stay empty.
import { loadNativeModule } from '@kt/core';

/** @returns {import('@kt/core').KtNativeModule} */
export function nativeModule() {
  const loaded = loadNativeModule();
  if (loaded.module !== undefined) return loaded.module;
  const status = { available: false, blas: 'none', threads: 0, reason: loaded.reason, kernels: [] };
  return {
    nativeStatus: () => status,
    registerNativeKernels: () => status,
    unregisterNativeKernels: () => undefined,
  };
}
