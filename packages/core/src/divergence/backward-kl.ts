import { klFromLogProbs, makeTokenDivergence } from './make-token-divergence';
import type { TokenDivergence } from './divergence-options';

/**
 * Backward (reverse) KL(p_learner‖p_teacher) = Σ_v p_l (log p_l − log p_t): mode-seeking; exact
 * per-position version of the on-policy objective (see `reinforceBackwardKl` for sequences).
 */
export const backwardKl: TokenDivergence = makeTokenDivergence('backwardKl', (logPt, logPl) =>
  klFromLogProbs(logPl, logPt),
  'backward',
);
