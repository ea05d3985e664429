import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from './backend-choice';
import type { BackendChoice, BackendName, BackendRequest } from './backend-choice';
import { inactiveNative, installNativeKernels, NativeInfo, removeNativeKernels, requireOptional } from './native-accelerator';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

/** The backend that runs, as chosen by {@link initBackend}. */
export interface BackendInfo {
  name: BackendName;
  /** What was requested and by which setting (flag, env KT_BACKEND, config, default). */
  choice: BackendChoice;
  native: NativeInfo;
  /** Threads the backend's own kernels use (tfjs-wasm has no threads in Node: 1). */
  threads: number;
  /** WebAssembly SIMD in use (wasm only). */
  simd: boolean;
}

export interface InitBackendOptions {
  /** Backend to use, from a flag: wins over everything ('auto' included). */
  requested?: BackendRequest;
  /** The config's `backend`: used when neither `requested` nor env KT_BACKEND is set. */
  config?: BackendRequest;
  /** Environment to read KT_BACKEND, KT_NATIVE, KT_NATIVE_BLAS from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Receives the one line saying which backend runs. Default: console.error. */
  log?: (line: string) => void;
  /** Load @kt/native when on wasm (default true; env KT_NATIVE=off also disables it). */
  native?: boolean;
}

/** Package of the optional native TensorFlow backend. */
export const TFJS_NODE_PACKAGE = '@tensorflow/tfjs-node';

interface Selection {
  choice: BackendChoice;
  request: BackendRequest;
  native: boolean;
  blas: 'system' | 'portable';
}

function resolveSelection(options: InitBackendOptions, env: NodeJS.ProcessEnv): Selection {
  const choice = chooseBackend(options.requested, env, options.config);
  const nativeEnv = (env['KT_NATIVE'] ?? '').trim().toLowerCase();
  const nativeOff = ['off', '0', 'false', 'no'].includes(nativeEnv);
  const blas = (env['KT_NATIVE_BLAS'] ?? '').trim().toLowerCase() === 'portable' ? 'portable' : 'system';
  return { choice, request: choice.requested, native: options.native !== false && !nativeOff, blas };
}

/** KT_NUM_THREADS, else the number of cores. */
export function requestedThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['KT_NUM_THREADS'];
  if (raw !== undefined && raw.trim() !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`KT_NUM_THREADS must be a positive integer, got '${raw}'`);
    }
    return n;
  }
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

interface Attempt {
  info?: Omit<BackendInfo, 'choice'>;
  line?: string;
  reason?: string;
}

async function tryTensorflow(): Promise<Attempt> {
  try {
    requireOptional(TFJS_NODE_PACKAGE);
  } catch (error) {
    return { reason: `${TFJS_NODE_PACKAGE} not available (${errorLine(error)})` };
  }
  if (tf.findBackendFactory('tensorflow') === null) {
    return { reason: `${TFJS_NODE_PACKAGE} loaded but registered no 'tensorflow' backend on this @tensorflow/tfjs` };
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return { reason: `the 'tensorflow' backend failed to initialise` };
  }
  // TensorFlow sizes its own intra-op pool (one thread per core by default).
  const threads = requestedThreads();
  return {
    info: { name: 'tensorflow', native: inactiveNative('not used with tfjs-node'), threads, simd: false },
    line: `kt backend: tensorflow (tfjs-node, native TensorFlow)`,
  };
}

let wasmConfigured = false;

async function tryWasm(selection: Selection): Promise<Attempt> {
  let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasmModule = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmConfigured) {
      // Node: emscripten reads the .wasm with fs from this folder (the package's dist); setting it
      // explicitly keeps that true when the JS is bundled or loaded from elsewhere.
      const wasmDir =
        process.env['KT_WASM_PATH'] ??
        path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
      wasmModule.setWasmPaths(wasmDir.endsWith(path.sep) ? wasmDir : wasmDir + path.sep);
      // Only the threaded build uses this; tfjs-wasm disables threads in Node (tfjs issue 3830).
      wasmModule.setThreadsCount(requestedThreads());
      wasmConfigured = true;
    }
    if (!(await tf.setBackend('wasm'))) {
      return { reason: `the wasm backend failed to initialise` };
    }
  } catch (error) {
    return { reason: `wasm unavailable (${errorLine(error)})` };
  }
  registerWasmTrainingKernels();
  const threads = wasmModule.getThreadsCount();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const native = activateNative(selection);
  const base = `kt backend: wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}) + kt training kernels`;
  const nativePart = native.active
    ? `native kernels: on (${native.blas}, ${native.threads} thread${native.threads === 1 ? '' : 's'}, ${native.kernels.join(' ')})`
    : `native kernels: off (${native.reason ?? 'unavailable'})`;
  return { info: { name: 'wasm', native, threads, simd }, line: `${base}; ${nativePart}` };
}

function activateNative(selection: Selection): NativeInfo {
  if (!selection.native) {
    removeNativeKernels();
    return inactiveNative('disabled (KT_NATIVE=off or native: false)');
  }
  return installNativeKernels({ blas: selection.blas });
}

async function useCpu(why: string | undefined): Promise<Attempt> {
  removeNativeKernels();
  if (!(await tf.setBackend('cpu'))) {
    return { reason: 'the cpu backend failed to initialise' };
  }
  return {
    info: { name: 'cpu', native: inactiveNative('not used with the cpu backend'), threads: 1, simd: false },
    line: `kt backend: cpu (plain JS${why === undefined ? '' : `; ${why}`})`,
  };
}

async function select(selection: Selection, log: (line: string) => void): Promise<BackendInfo> {
  const reasons: string[] = [];
  const order: BackendName[] =
    selection.request === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [selection.request];
  for (const name of order) {
    const attempt =
      name === 'tensorflow'
        ? await tryTensorflow()
        : name === 'wasm'
          ? await tryWasm(selection)
          : await useCpu(selection.request === 'auto' ? reasons[reasons.length - 1] : undefined);
    if (attempt.info !== undefined) {
      if (attempt.info.name !== 'wasm') {
        removeNativeKernels();
      }
      log(attempt.line ?? `kt backend: ${attempt.info.name}`);
      return { ...attempt.info, choice: selection.choice };
    }
    reasons.push(attempt.reason ?? `${name} unavailable`);
  }
  throw new Error(`kt: backend '${selection.request}' could not be started: ${reasons.join('; ')}`);
}

let current: { key: string; promise: Promise<BackendInfo> } | undefined;

/**
 * Selects and initialises the tfjs backend: 'auto' tries tfjs-node ('tensorflow', an optional
 * dependency), then wasm with kt's training kernels and, when @kt/native is available, its native
 * kernels, then plain JS ('cpu'). Which backend is requested: {@link chooseBackend} of `requested`
 * (the flag), env KT_BACKEND and `config`. Env:
 * KT_NATIVE=off, KT_NATIVE_BLAS=portable, KT_NUM_THREADS. Logs exactly one line saying what runs.
 * Idempotent: the same selection returns the same result without re-initialising or logging;
 * a different selection switches backend.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const selection = resolveSelection(options, options.env ?? process.env);
  const key = `${selection.request}|${selection.choice.source}|${selection.native}|${selection.blas}`;
  if (current !== undefined && current.key === key) {
    return current.promise;
  }
  const log = options.log ?? ((line: string): void => console.error(line));
  const promise = select(selection, log);
  current = { key, promise };
  promise.catch(() => {
    if (current?.promise === promise) {
      current = undefined;
    }
  });
  return promise;
}

/** The result of the last successful {@link initBackend}, if any. */
export async function currentBackend(): Promise<BackendInfo | undefined> {
  return current === undefined ? undefined : current.promise;
}
