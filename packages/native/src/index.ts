export { nativeStatus, registerNativeKernels, unregisterNativeKernels, defaultThreads, NATIVE_KERNELS } from './native-kernels';
export type { NativeStatus, RegisterOptions } from './native-kernels';
export { loadAddon, addonPath } from './addon';
export type { NativeAddon, AddonLoad } from './addon';
export { adamUpdate } from './adam';
export type { NativeAdamUpdate } from './adam';
export {
  fusedKernelsActive,
  gelu,
  geluComposite,
  layerNorm,
  layerNormComposite,
  selfAttention,
  selfAttentionComposite,
  softmaxCrossEntropy,
  softmaxCrossEntropyComposite,
} from './fused-ops';
export type { SelfAttentionOptions } from './fused-ops';
export { FUSED_KERNEL_NAMES } from './kernels/fused-kernels';
