import { checkHalfOpenUnitInterval, klFromLogProbs, logMixture, makeTokenDivergence } from './make-token-divergence';
import type { TokenDivergence } from './divergence-options';

/** Default skew weight s of the skew KL divergences (DistiLLM's α = 0.1). */
export const DEFAULT_SKEW = 0.1;

/**
 * Why s = 1 is refused: the mixture is then the first argument itself, so both skew divergences are
 * identically 0 and do not depend on the learner (nothing to train; an optimizer finds no gradient path).
 */
export const SKEW_ONE_REASON =
  'at skew = 1 the mixture equals the first distribution, so the divergence is 0 for every learner and gives no gradient';

/**
 * Skew forward KL (DistiLLM, Ko et al. 2024, who call s "α"): KL(p_t ‖ s·p_t + (1−s)·p_l), bounded by
 * −log s. s = 0 is forward KL; s ∈ [0, 1) (s = 1 would be identically 0, see {@link SKEW_ONE_REASON}).
 */
export const skewForwardKl: TokenDivergence = makeTokenDivergence('skewForwardKl', (logPt, logPl, options) => {
  const skew = options.skew ?? DEFAULT_SKEW;
  checkHalfOpenUnitInterval(skew, 'skewForwardKl: skew', SKEW_ONE_REASON);
  return klFromLogProbs(logPt, logMixture(logPt, logPl, skew));
});

/**
 * Skew backward KL (DistiLLM): KL(p_l ‖ s·p_l + (1−s)·p_t), bounded by −log s. s = 0 is backward KL;
 * s ∈ [0, 1) (s = 1 would be KL(p_l‖p_l) = 0 for every learner, see {@link SKEW_ONE_REASON}).
 */
export const skewBackwardKl: TokenDivergence = makeTokenDivergence('skewBackwardKl', (logPt, logPl, options) => {
  const skew = options.skew ?? DEFAULT_SKEW;
  checkHalfOpenUnitInterval(skew, 'skewBackwardKl: skew', SKEW_ONE_REASON);
  return klFromLogProbs(logPl, logMixture(logPl, logPt, skew));
});
