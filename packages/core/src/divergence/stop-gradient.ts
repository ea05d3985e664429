import * as tf from '@tensorflow/tfjs';

/**
 * Identity in the forward pass, zero gradient in the backward pass (tfjs has no `stopGradient` op).
 * Built with `tf.customGrad`: ops run inside a custom-gradient forward function are not recorded on
 * the tape, so nothing upstream of `x` receives a gradient through the returned tensor.
 */
const identityWithZeroGradient = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = inputs[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

export function stopGradient<T extends tf.Tensor>(x: T): T {
  return identityWithZeroGradient(x) as T;
}

/**
 * `predicate(x)` (e.g. a comparison giving a bool mask) evaluated off the gradient tape, with zero
 * gradient to `x`. tfjs has no gradient for comparison ops (Greater, Equal, …), so a `where` condition
 * computed from a tensor that depends on the differentiated variables must be built this way.
 */
export function conditionOf(x: tf.Tensor, predicate: (x: tf.Tensor) => tf.Tensor): tf.Tensor {
  const off = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = inputs[0] as tf.Tensor;
    return { value: predicate(input), gradFunc: () => tf.zerosLike(input) };
  });
  return off(x);
}

let teacherGradientDepth = 0;

/**
 * Runs `fn` with the teacher's logits differentiable inside every token divergence. Divergences stop the
 * teacher's gradient (KD trains the learner only); MetaDistil differentiates the KD loss with respect to the
 * teacher's weights (through the learner's pilot step), so core's meta step evaluates the KD loss inside this.
 */
export function withTeacherGradients<T>(fn: () => T): T {
  teacherGradientDepth += 1;
  try {
    return fn();
  } finally {
    teacherGradientDepth -= 1;
  }
}

/** True inside {@link withTeacherGradients}. */
export function teacherGradientsFlow(): boolean {
  return teacherGradientDepth > 0;
}
