import * as tf from '@tensorflow/tfjs';
import { compositeOnly } from '../runtime/composite-mode';

/**
 * Whether the active backend has a kernel registered under `kernelName` (a fused op then runs it). False in
 * composite mode (MetaDistil's second-order step): the fused kernels' backward passes cannot be differentiated again.
 */
export function hasKernel(kernelName: string): boolean {
  if (compositeOnly()) return false;
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/** tf.customGrad's arguments: the op's inputs, then the save function. */
export type GradArg = tf.Tensor | tf.GradSaveFunc;
