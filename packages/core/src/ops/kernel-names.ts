/**
 * Names of the kernels behind core's fused ops, declared once, here: an op runs the kernel of that name
 * when the active backend has one registered (today @kt/native registers them on 'wasm') and a
 * composite of tfjs ops otherwise. @kt/native types its own name table as {@link KtKernelNames}
 * (a type-only import), so a name that differs fails to compile there.
 */
export const KT_KERNEL_NAMES = {
  gelu: 'KtGelu',
  geluGrad: 'KtGeluGrad',
  layerNorm: 'KtLayerNorm',
  layerNormGrad: 'KtLayerNormGrad',
  attention: 'KtAttention',
  attentionGrad: 'KtAttentionGrad',
  softmaxXent: 'KtSoftmaxXent',
  softmaxXentGrad: 'KtSoftmaxXentGrad',
  /** Forward and backward (the gradient is the same mask applied to dy). */
  dropout: 'KtDropout',
  /** The table gradient of embeddingLookup: a scatter-add of dy's rows. */
  embeddingGrad: 'KtEmbeddingGrad',
  /** Per-position KL of two logit tensors (tokenKl): [kl, logP, logQ]. */
  tokenKl: 'KtTokenKl',
  tokenKlGrad: 'KtTokenKlGrad',
  /** Per-position generalised JSD of teacher and learner logits (tokenJsd): [jsd, logPl, logM, klL]; backward is KtTokenKlGrad. */
  tokenJsd: 'KtTokenJsd',
  /** One Adam step: [value, m, v] from (value, m, v, grad). */
  adam: 'KtAdam',
  /** BatchNorm over every axis but the last: [y, mean, variance] from (x, gamma, beta). */
  batchNorm: 'KtBatchNorm',
  /** [dx, dgamma, dbeta] from (x, gamma, mean, variance, dy, dmean, dvariance). */
  batchNormGrad: 'KtBatchNormGrad',
} as const;

export type KtKernelNames = typeof KT_KERNEL_NAMES;
export type KtKernelName = KtKernelNames[keyof KtKernelNames];
