export type { DivergenceOptions, Reduction, TokenDivergence } from './divergence-options';
export { REDUCTIONS } from './divergence-options';
export { forwardKl } from './forward-kl';
export { backwardKl } from './backward-kl';
export { generalizedJsd, DEFAULT_JSD_BETA } from './generalized-jsd';
export { totalVariation } from './total-variation';
export { skewForwardKl, skewBackwardKl, DEFAULT_SKEW, SKEW_ONE_REASON } from './skew-kl';
export {
  DIVERGENCE_NAMES,
  divergences,
  getDivergence,
  isDivergenceName,
  UnknownDivergenceError,
  type DivergenceName,
} from './divergence-registry';
export { stopGradient, teacherGradientsFlow, withTeacherGradients } from './stop-gradient';
export { tokenLogProbs } from './token-log-probs';
export { sequenceNll, type SequenceNllOptions } from './sequence-nll';
export {
  reinforceBackwardKl,
  type ReinforceBaseline,
  type ReinforceBackwardKlInput,
  type ReinforceBackwardKlResult,
} from './reinforce-backward-kl';
