import * as tf from '@tensorflow/tfjs';
import { generalizedJsd, stopGradient } from '@kt/core';

/**
 * Adaptive DeepInversion's competition term (Yin et al. 2020, eq. 8): 1 − JSD(p_T, p_S) with p = softmax(logits / τ),
 * JSD = ½ KL(p_T ‖ M) + ½ KL(p_S ‖ M), M = ½ (p_T + p_S), averaged over the batch. Minimising it pushes images
 * to where teacher and student disagree.
 *
 * The JSD is core's `generalizedJsd` with β = ½ and its τ² scaling divided out (so the value is the JSD of the
 * softened distributions, in [0, log 2]). The KL arguments are in the definition's order, KL(p ‖ M); the
 * original code calls `KLDivLoss(log P, M)`, which computes KL(M ‖ P), the reverse.
 *
 * Core's divergences send no gradient to their first (teacher) argument; here the images reach both networks,
 * so both directions are taken and the surplus value removed:
 *   JSD(t→s) + JSD(s→t) − stopGradient(JSD(s→t))
 * has the JSD's value and its full gradient (through the student via the first, through the teacher via the
 * second; the JSD at β = ½ is symmetric).
 */
export function competitionLoss(teacherLogits: tf.Tensor, studentLogits: tf.Tensor, temperature: number): tf.Scalar {
  if (!(temperature > 0)) throw new RangeError(`competitionLoss: temperature must be > 0, got ${temperature}`);
  return tf.tidy(() => {
    const options = { temperature, beta: 0.5, reduction: 'mean' as const };
    const viaStudent = generalizedJsd(teacherLogits, studentLogits, options);
    const viaTeacher = generalizedJsd(studentLogits, teacherLogits, options);
    const jsd = tf.sub(tf.add(viaStudent, viaTeacher), stopGradient(viaTeacher));
    return tf.sub(1, tf.div(jsd, temperature * temperature)) as tf.Scalar;
  });
}
