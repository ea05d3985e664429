import * as tf from '@tensorflow/tfjs';
import { logMixture } from '../divergence/log-mixture';
import { stopGradient } from '../divergence/stop-gradient';
import { GradArg, hasKernel } from './has-kernel';
import { KT_KERNEL_NAMES } from './kernel-names';
import { checkLogitPair, klFromLogProbs, zeroMaskedLogits } from './token-kl';

/** Attributes of the KtTokenJsd kernel. */
export interface TokenJsdAttrs {
  /** 1 / temperature. */
  invT: number;
  /** The mixture weight β ∈ (0, 1) of the teacher. */
  beta: number;
}

export interface TokenJsdOptions {
  /** Softmax temperature T > 0 applied to both inputs (default 1). The result is not multiplied by T². */
  temperature?: number;
  /** β ∈ (0, 1): M = β·p_teacher + (1−β)·p_learner. */
  beta: number;
  /** Positions (the logits' shape minus the last axis): 0 = padding, whose value and gradient are exactly 0. */
  mask?: tf.Tensor;
}

function checked(teacher: tf.Tensor, learner: tf.Tensor, options: TokenJsdOptions): number {
  if (!(options.beta > 0 && options.beta < 1)) throw new RangeError(`tokenJsd: beta must be in (0, 1), got ${options.beta}`);
  return checkLogitPair('tokenJsd', ['teacher', 'learner'], teacher, learner, options);
}

/** {@link tokenJsd} in plain tfjs ops: both log-softmaxes, {@link logMixture}, two {@link klFromLogProbs}. */
export function tokenJsdComposite(teacherLogits: tf.Tensor, learnerLogits: tf.Tensor, options: TokenJsdOptions): tf.Tensor {
  const temperature = checked(teacherLogits, learnerLogits, options);
  const beta = options.beta;
  return tf.tidy(() => {
    const teacher = stopGradient(zeroMaskedLogits(tf.cast(teacherLogits, 'float32'), options.mask));
    const learner = zeroMaskedLogits(tf.cast(learnerLogits, 'float32'), options.mask);
    const logPt = tf.logSoftmax(temperature === 1 ? teacher : tf.div(teacher, temperature));
    const logPl = tf.logSoftmax(temperature === 1 ? learner : tf.div(learner, temperature));
    const logM = logMixture(logPt, logPl, beta);
    return tf.add(tf.mul(klFromLogProbs(logPt, logM), beta), tf.mul(klFromLogProbs(logPl, logM), 1 - beta));
  });
}

/**
 * Per-position generalised Jensen–Shannon divergence JSD_β = β·KL(p_t‖M) + (1−β)·KL(p_l‖M), M = β·p_t + (1−β)·p_l,
 * of p_t = softmax(teacher/T) and p_l = softmax(learner/T) over the last axis, differentiated with respect to the
 * learner only (the teacher is held constant), with the conventions of {@link klFromLogProbs} (−∞ logits allowed,
 * terms with p = 0 count 0; an unmasked all −∞ row is NaN) and masked positions exactly 0 in value and gradient.
 * Where the backend has the KtTokenJsd kernel, one pass forward; backward is KtTokenKlGrad, since
 * ∂JSD_β/∂learner = (1−β)·∂KL(p_l‖M)/∂learner with M held constant (the terms through M cancel). Elsewhere
 * {@link tokenJsdComposite}.
 */
export function tokenJsd(teacherLogits: tf.Tensor, learnerLogits: tf.Tensor, options: TokenJsdOptions): tf.Tensor {
  const temperature = checked(teacherLogits, learnerLogits, options);
  if (teacherLogits.dtype !== 'float32' || learnerLogits.dtype !== 'float32' || !hasKernel(KT_KERNEL_NAMES.tokenJsd) || !hasKernel(KT_KERNEL_NAMES.tokenKlGrad)) {
    return tokenJsdComposite(teacherLogits, learnerLogits, options);
  }
  const invT = Math.fround(1 / temperature);
  const beta = options.beta;
  return tf.tidy(() => {
    const mask = options.mask === undefined ? undefined : options.mask.dtype === 'float32' ? options.mask : tf.cast(options.mask, 'float32');
    const fused = tf.customGrad((...args: GradArg[]) => {
      const learner = args[0] as tf.Tensor;
      const inputs: Record<string, tf.Tensor> = { t: teacherLogits, l: learner };
      if (mask !== undefined) inputs['mask'] = mask;
      const [jsd, logPl, logM, klL] = tf.engine().runKernel(KT_KERNEL_NAMES.tokenJsd, inputs, { invT, beta }) as tf.Tensor[];
      (args[1] as tf.GradSaveFunc)([logPl!, logM!, klL!]);
      return {
        value: jsd!,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
          const gradInputs: Record<string, tf.Tensor> = { logP: saved[0]!, logQ: saved[1]!, kl: saved[2]!, dy: tf.mul(dy, 1 - beta) };
          if (mask !== undefined) gradInputs['mask'] = mask;
          return tf.engine().runKernel(KT_KERNEL_NAMES.tokenKlGrad, gradInputs, { invT, wrtP: true }) as tf.Tensor;
        },
      };
    }) as unknown as (x: tf.Tensor) => tf.Tensor;
    return fused(learnerLogits);
  });
}
