export { KT_KERNEL_NAMES } from './kernel-names';
export type { KtKernelName, KtKernelNames } from './kernel-names';
export { hasKernel } from './has-kernel';
export { gelu, geluComposite } from './gelu';
export { layerNorm, layerNormComposite } from './layer-norm';
export type { LayerNormAttrs } from './layer-norm';
export { ATTENTION_MASK_BIAS, crossAttention, crossAttentionComposite, selfAttention, selfAttentionComposite } from './attention';
export type { AttentionAttrs, AttentionOptions, SelfAttentionOptions } from './attention';
export { softmaxCrossEntropy, softmaxCrossEntropyComposite } from './softmax-cross-entropy';
