import { checkUnitInterval, klFromLogProbs, logMixture, makeTokenDivergence } from './make-token-divergence';
import type { TokenDivergence } from './divergence-options';

/** Default α of the skew KL divergences (DistiLLM uses 0.1). */
export const DEFAULT_SKEW_ALPHA = 0.1;

/**
 * Skew forward KL (DistiLLM, Ko et al. 2024): KL(p_t ‖ α·p_t + (1−α)·p_l), bounded by −log α.
 * α = 0 is forward KL; α = 1 is 0.
 */
export const skewForwardKl: TokenDivergence = makeTokenDivergence('skewForwardKl', (logPt, logPl, options) => {
  const alpha = options.alpha ?? DEFAULT_SKEW_ALPHA;
  checkUnitInterval(alpha, 'skewForwardKl: alpha');
  return klFromLogProbs(logPt, logMixture(logPt, logPl, alpha));
});

/**
 * Skew backward KL (DistiLLM): KL(p_l ‖ α·p_l + (1−α)·p_t), bounded by −log α.
 * α = 0 is backward KL; α = 1 is 0.
 */
export const skewBackwardKl: TokenDivergence = makeTokenDivergence('skewBackwardKl', (logPt, logPl, options) => {
  const alpha = options.alpha ?? DEFAULT_SKEW_ALPHA;
  checkUnitInterval(alpha, 'skewBackwardKl: alpha');
  return klFromLogProbs(logPl, logMixture(logPl, logPt, alpha));
});
