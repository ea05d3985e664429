import { ConfigError } from '../errors';

/** Valid values of `--backend` / KT_BACKEND / the config's `backend`. */
export const BACKEND_REQUESTS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];
/** A concrete tfjs backend kt can run on. */
export type BackendName = Exclude<BackendRequest, 'auto'>;

/** Validates a backend name (from a flag, KT_BACKEND or a config) with an error listing the valid ones. */
export function parseBackendRequest(value: string, source = 'backend'): BackendRequest {
  const normalised = value.trim().toLowerCase();
  const match = BACKEND_REQUESTS.find((name) => name === normalised);
  if (match === undefined) {
    throw new ConfigError(`Unknown ${source} '${value}'. Valid backends: ${BACKEND_REQUESTS.join(', ')}`);
  }
  return match;
}

/** The backend to start and which setting decided it. */
export interface BackendChoice {
  requested: BackendRequest;
  source: 'flag' | 'env' | 'config' | 'default';
}

/**
 * The one place that decides which backend is requested. Precedence: schema default ('auto') <
 * config `backend` < env KT_BACKEND (blank counts as unset) < `--backend` flag. 'auto' is a value
 * like the others: `--backend auto` wins over KT_BACKEND=cpu. An unknown KT_BACKEND is a ConfigError.
 */
export function chooseBackend(
  flag: BackendRequest | undefined,
  env: NodeJS.ProcessEnv,
  configBackend?: BackendRequest,
): BackendChoice {
  if (flag !== undefined) {
    return { requested: parseBackendRequest(flag, 'backend'), source: 'flag' };
  }
  const fromEnv = env['KT_BACKEND'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { requested: parseBackendRequest(fromEnv, 'backend in KT_BACKEND'), source: 'env' };
  }
  if (configBackend !== undefined) {
    return { requested: parseBackendRequest(configBackend, 'backend in the config'), source: 'config' };
  }
  return { requested: 'auto', source: 'default' };
}
