import { tokenJsd } from '../ops/token-jsd';
import { checkUnitInterval, klFromLogProbs, logMixture, makeTokenDivergence } from './make-token-divergence';
import type { TokenDivergence } from './divergence-options';

/** Default β of {@link generalizedJsd}. */
export const DEFAULT_JSD_BETA = 0.5;

/**
 * Generalised Jensen–Shannon divergence as HF TRL's GKD trainer (`generalized_jsd_loss`) defines it:
 *   M = β·p_teacher + (1−β)·p_learner,   JSD_β = β·KL(p_teacher‖M) + (1−β)·KL(p_learner‖M),
 * with log M computed stably from log p_t and log p_l (see `logMixture`). Like TRL, the end points are special
 * cases: β = 0 returns forward KL(p_t‖p_l) and β = 1 backward KL(p_l‖p_t), exactly (same kernels).
 * (The formula itself tends to 0 at both ends; the special cases follow TRL's convention.)
 * For β ∈ (0, 1), 0 ≤ JSD_β ≤ H(β) ≤ log 2 at τ = 1.
 */
export const generalizedJsd: TokenDivergence = makeTokenDivergence(
  'generalizedJsd',
  (logPt, logPl, options) => {
    const beta = options.beta ?? DEFAULT_JSD_BETA;
    checkUnitInterval(beta, 'generalizedJsd: beta');
    if (beta === 0) return klFromLogProbs(logPt, logPl);
    if (beta === 1) return klFromLogProbs(logPl, logPt);
    const logM = logMixture(logPt, logPl, beta);
    const klTeacher = klFromLogProbs(logPt, logM);
    const klLearner = klFromLogProbs(logPl, logM);
    return klTeacher.mul(beta).add(klLearner.mul(1 - beta));
  },
  // Teacher held constant and β inside (0, 1): core's tokenJsd op (fused where the backend has the kernel).
  (teacher, learner, options) => {
    const beta = options.beta ?? DEFAULT_JSD_BETA;
    checkUnitInterval(beta, 'generalizedJsd: beta');
    return beta > 0 && beta < 1 ? tokenJsd(teacher, learner, { temperature: options.temperature, beta, mask: options.mask }) : undefined;
  },
);
