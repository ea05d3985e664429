/**
 * Optional native accelerator (@kt/native: N-API kernels for the wasm backend). Core has no static
 * dependency on it: it is required by a name held in a variable, inside try/catch, so an absent or
 * broken addon only means "plain wasm". What core expects of it is declared once, in native-api.ts.
 * Core registers the kernels @kt/native hands it, as one layer of runtime/backend/kernel-layers.ts.
 */
import { installedKernels, installKernels, kernelBelow, removeKernels } from './kernel-layers';
import { KT_NATIVE_MODULE_MEMBERS } from './native-api';
import type { KtNativeModule, NativeBlas, NativeStatus } from './native-api';

/** Whether native kernels run in this process, and which. */
export interface NativeInfo {
  active: boolean;
  blas: NativeBlas;
  threads: number;
  kernels: string[];
  reason?: string;
}

/** Package name of the accelerator; kept in a variable so no bundler or linter sees an import. */
export const NATIVE_PACKAGE = '@kt/native';

/** Owner of @kt/native's kernels in the kernel layers. */
export const NATIVE_KERNELS_OWNER = NATIVE_PACKAGE;

const WASM = 'wasm';

/** Result of trying to load @kt/native. */
export type NativeLoadResult = { module: KtNativeModule; reason?: undefined } | { module?: undefined; reason: string };

/** The members {@link KtNativeModule} lacks or has with the wrong type (empty: it conforms). */
function missingMembers(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) {
    return Object.keys(KT_NATIVE_MODULE_MEMBERS);
  }
  const candidate = value as Record<string, unknown>;
  return Object.entries(KT_NATIVE_MODULE_MEMBERS)
    .filter(([name, type]) => typeof candidate[name] !== type || candidate[name] === null)
    .map(([name]) => name);
}

/** Loads a module by a runtime name (CommonJS require, as jest and node both provide). */
export function requireOptional(moduleName: string): unknown {
  return require(moduleName);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/** Tries to load @kt/native (or `moduleName`); never throws. */
export function loadNativeModule(moduleName: string = NATIVE_PACKAGE): NativeLoadResult {
  let loaded: unknown;
  try {
    loaded = requireOptional(moduleName);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const line = firstLine(error);
    const notFound =
      code === 'MODULE_NOT_FOUND' || line.includes('Cannot find module') || line.includes('Could not locate module');
    if (notFound && line.includes(moduleName)) {
      return { reason: `${moduleName} is not installed` };
    }
    return { reason: `${moduleName} failed to load: ${line}` };
  }
  const missing = missingMembers(loaded);
  if (missing.length > 0) {
    return { reason: `${moduleName} does not export ${missing.join(', ')} (an older or foreign version?)` };
  }
  return { module: loaded as KtNativeModule };
}

/** NativeInfo for "not active", with the reason. */
export function inactiveNative(reason: string): NativeInfo {
  return { active: false, blas: 'none', threads: 0, kernels: [], reason };
}

/** Converts the module's status to NativeInfo. */
export function nativeInfoFromStatus(status: NativeStatus): NativeInfo {
  const info: NativeInfo = {
    active: status.available,
    blas: status.blas,
    threads: status.threads,
    kernels: [...status.kernels],
  };
  if (status.reason !== undefined) {
    info.reason = status.reason;
  }
  return info;
}

let cached: NativeLoadResult | undefined;

/** @kt/native, loaded once per process. */
function nativeModule(): NativeLoadResult {
  cached ??= loadNativeModule();
  return cached;
}

/**
 * Installs @kt/native's kernels on the 'wasm' backend (over kt's training kernels and tfjs's own),
 * or re-configures them (BLAS mode, threads) when installed. Never throws: when the addon is missing
 * or unavailable nothing is installed and the result says why.
 */
export function installNativeKernels(options: { blas?: 'system' | 'portable'; threads?: number } = {}): NativeInfo {
  const loaded = nativeModule();
  if (loaded.module === undefined) {
    removeNativeKernels();
    return inactiveNative(loaded.reason);
  }
  const set = loaded.module.nativeKernels({
    ...options,
    below: (kernelName) => kernelBelow(NATIVE_KERNELS_OWNER, kernelName, WASM),
  });
  if (!set.status.available || set.configs.length === 0) {
    removeNativeKernels();
    return nativeInfoFromStatus({ ...set.status, available: false, reason: set.status.reason ?? 'no kernels' });
  }
  installKernels(NATIVE_KERNELS_OWNER, set.configs);
  return nativeInfoFromStatus({ ...set.status, kernels: set.configs.map((c) => c.kernelName) });
}

/** Removes @kt/native's kernels; each kernel goes back to the one below (kt's training kernel or tfjs's). */
export function removeNativeKernels(): void {
  removeKernels(NATIVE_KERNELS_OWNER);
}

/** Whether @kt/native's kernels are installed. */
export function nativeKernelsInstalled(): boolean {
  return installedKernels(NATIVE_KERNELS_OWNER).length > 0;
}
