/**
 * Optional native accelerator (@kt/native: N-API BLAS kernels for the wasm backend). Core has no
 * static dependency on it: it is required by a name held in a variable, inside try/catch, so an
 * absent or broken addon only means "plain wasm".
 */
import type * as tf from '@tensorflow/tfjs';

/** BLAS implementation behind the native kernels. */
export type NativeBlas = 'openblas' | 'cblas' | 'portable' | 'none';

/** What @kt/native reports about itself (its agreed interface). */
export interface NativeStatus {
  available: boolean;
  blas: NativeBlas;
  threads: number;
  reason?: string;
  kernels: string[];
}

/** One variable's Adam step for the optional native fused update (see runtime/optimizers/fused-adam.ts). */
export interface NativeAdamUpdate {
  variable: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
  grad: tf.Tensor;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** beta1 ** t and beta2 ** t for this (1-based) step t, as float32 values. */
  accBeta1: number;
  accBeta2: number;
}

/** The agreed interface of the @kt/native module. */
export interface KtNativeModule {
  /**
   * Optional: one Adam update of variable, m and v in place on the wasm heap in one native call.
   * Returns false, changing nothing, when it cannot (native kernels not registered, not wasm, not float32).
   */
  adamUpdate?(update: NativeAdamUpdate): boolean;
  /** Never throws. */
  nativeStatus(): NativeStatus;
  /** Registers the native kernels on the 'wasm' backend, replacing existing registrations. */
  registerNativeKernels(opts?: { blas?: 'system' | 'portable' }): NativeStatus;
  /** Restores what was registered before registerNativeKernels. */
  unregisterNativeKernels(): void;
}

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

/** Result of trying to load @kt/native. */
export type NativeLoadResult = { module: KtNativeModule; reason?: undefined } | { module?: undefined; reason: string };

function isNativeModule(value: unknown): value is KtNativeModule {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate['nativeStatus'] === 'function' &&
    typeof candidate['registerNativeKernels'] === 'function' &&
    typeof candidate['unregisterNativeKernels'] === 'function'
  );
}

/** Loads a module by a runtime name (CommonJS require, as jest and node both provide). */
export function requireOptional(moduleName: string): unknown {
  return require(moduleName);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/** Tries to load @kt/native; never throws. */
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
  if (!isNativeModule(loaded)) {
    return { reason: `${moduleName} does not export nativeStatus/registerNativeKernels/unregisterNativeKernels` };
  }
  return { module: loaded };
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
