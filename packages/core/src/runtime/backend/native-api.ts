/**
 * The interface between core and @kt/native, declared once, here. Core loads @kt/native at run time
 * (native-accelerator.ts, by a name held in a variable) and uses it through these types; @kt/native
 * imports them type-only (`import type … from '@kt/core'`, erased from its JavaScript) and its
 * src/index.ts fails to compile unless its exports satisfy {@link KtNativeModule}. ESLint allows
 * @kt/native no value import of core, and core no import of @kt/native at all (packages/native/README.md).
 */
import type * as tf from '@tensorflow/tfjs';

/** BLAS implementation behind the native kernels. */
export type NativeBlas = 'openblas' | 'cblas' | 'portable' | 'none';

/** What @kt/native reports about itself. */
export interface NativeStatus {
  available: boolean;
  blas: NativeBlas;
  threads: number;
  /** Why it is unavailable. */
  reason?: string;
  /** Kernels it provides (empty when unavailable). */
  kernels: string[];
}

/** How the native kernels run; see {@link KtNativeModule.nativeKernels}. */
export interface NativeKernelOptions {
  /** 'system' uses the BLAS found at build time (else portable); 'portable' forces the built-in GEMM. Default: env KT_NATIVE_BLAS, else system. */
  blas?: 'system' | 'portable';
  /** Threads of the GEMM and OpenBLAS; default KT_NUM_THREADS or the number of cores. */
  threads?: number;
  /**
   * The kernel registered under `kernelName` on 'wasm' below the native one, looked up per call: a
   * native kernel runs it for inputs it does not handle (another dtype, an unsupported attribute).
   */
  below: (kernelName: string) => tf.KernelConfig | undefined;
}

/** The native kernels for the 'wasm' backend, for the caller to register, and the status they run with. */
export interface NativeKernelSet {
  status: NativeStatus;
  /** Empty when the addon is unavailable. */
  configs: tf.KernelConfig[];
}

/** The exports of @kt/native that core uses. */
export interface KtNativeModule {
  /** Never throws. */
  nativeStatus(): NativeStatus;
  /**
   * Configures the addon (BLAS mode, threads) and returns its kernels; registering them is the
   * caller's (core's kernel layers: runtime/backend/kernel-layers.ts). Calling it again re-configures.
   */
  nativeKernels(options: NativeKernelOptions): NativeKernelSet;
  /** Every kernel name {@link nativeKernels} can return, whether or not the addon is built. */
  readonly NATIVE_KERNEL_NAMES: readonly string[];
}

/** The members of {@link KtNativeModule}, checked at load time (the compiler keeps this list complete). */
export const KT_NATIVE_MODULE_MEMBERS: Record<keyof KtNativeModule, 'function' | 'object'> = {
  nativeStatus: 'function',
  nativeKernels: 'function',
  NATIVE_KERNEL_NAMES: 'object',
};
