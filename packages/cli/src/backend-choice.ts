import { ConfigError, parseBackendRequest, type BackendRequest } from '@kt/core';

export interface BackendChoice {
  requested: BackendRequest;
  /** Which setting decided it. */
  source: 'flag' | 'env' | 'config' | 'default';
}

/** Precedence: schema default ('auto') < config `backend` < env KT_BACKEND < `--backend`. */
export function chooseBackend(flag: BackendRequest | undefined, env: NodeJS.ProcessEnv, configBackend?: BackendRequest): BackendChoice {
  if (flag !== undefined) return { requested: flag, source: 'flag' };
  const fromEnv = env['KT_BACKEND'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    try {
      return { requested: parseBackendRequest(fromEnv, 'backend in KT_BACKEND'), source: 'env' };
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }
  if (configBackend !== undefined) return { requested: configBackend, source: 'config' };
  return { requested: 'auto', source: 'default' };
}
