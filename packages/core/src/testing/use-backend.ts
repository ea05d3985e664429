import * as tf from '@tensorflow/tfjs';
import type { BackendRequest } from '../runtime/backend/backend-choice';
import { initBackend } from '../runtime/backend/init-backend';
import { jestHook } from './jest-hooks';

/** Registers a `beforeAll` that makes tfjs's plain CPU backend current (the reference the other backends are checked against). */
export function useCpuBackend(): void {
  jestHook('beforeAll')(async () => {
    await tf.setBackend('cpu');
  });
}

/**
 * Registers a `beforeAll` that initialises the backend kt would pick for `requested` (for wasm: with kt's native
 * kernels where the addon loads), without log lines. The backend in use is then `tf.getBackend()`.
 */
export function useBackend(requested: BackendRequest): void {
  jestHook('beforeAll')(async () => {
    await initBackend({ requested, log: () => undefined });
  });
}
