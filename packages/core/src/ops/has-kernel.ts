import * as tf from '@tensorflow/tfjs';

/** Whether the active backend has a kernel registered under `kernelName` (a fused op then runs it). */
export function hasKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/** tf.customGrad's arguments: the op's inputs, then the save function. */
export type GradArg = tf.Tensor | tf.GradSaveFunc;
