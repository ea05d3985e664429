import { klFromLogProbs, makeTokenDivergence } from './make-token-divergence';
import type { TokenDivergence } from './divergence-options';

/**
 * Forward KL(p_teacher‖p_learner) = Σ_v p_t (log p_t − log p_l): mass-covering, the classic
 * distillation loss (Hinton et al.), whose gradient w.r.t. the learner logits is (p_l − p_t)·τ.
 */
export const forwardKl: TokenDivergence = makeTokenDivergence('forwardKl', (logPt, logPl) =>
  klFromLogProbs(logPt, logPl),
  'forward',
);
