import { backwardKl } from './backward-kl';
import type { TokenDivergence } from './divergence-options';
import { forwardKl } from './forward-kl';
import { generalizedJsd } from './generalized-jsd';
import { skewBackwardKl, skewForwardKl } from './skew-kl';
import { totalVariation } from './total-variation';

/** Config names of the token-level divergences (`divergence: backward` in an experiment config). */
export const DIVERGENCE_NAMES = ['forward', 'backward', 'jsd', 'tvd', 'skew-forward', 'skew-backward'] as const;

export type DivergenceName = (typeof DIVERGENCE_NAMES)[number];

/** The registry: one explicit typed object, one line per divergence. */
export const divergences: Readonly<Record<DivergenceName, TokenDivergence>> = Object.freeze({
  forward: forwardKl,
  backward: backwardKl,
  jsd: generalizedJsd,
  tvd: totalVariation,
  'skew-forward': skewForwardKl,
  'skew-backward': skewBackwardKl,
});

export class UnknownDivergenceError extends Error {
  constructor(readonly divergenceName: string) {
    super(`Unknown divergence '${divergenceName}'. Known divergences: ${DIVERGENCE_NAMES.join(', ')}`);
    this.name = 'UnknownDivergenceError';
  }
}

export function isDivergenceName(name: string): name is DivergenceName {
  return (DIVERGENCE_NAMES as readonly string[]).includes(name);
}

/** Looks a divergence up by its config name; throws {@link UnknownDivergenceError} listing the known names. */
export function getDivergence(name: string): TokenDivergence {
  if (!isDivergenceName(name)) throw new UnknownDivergenceError(name);
  return divergences[name];
}
