import * as tf from '@tensorflow/tfjs';
import { disposeMap } from '@kt/core';
import { HEAD_LAYER } from '../models/finetune-net';
import type { RegulariserDefinition } from './regulariser';

/**
 * L2-SP (Li, Grandvalet & Davoine, ICML 2018): (α/2) Σ_{w ∈ S} ‖w − w⁰‖² + (β/2) Σ_{w ∈ head} ‖w‖², S being every
 * weight the source model shares with the target one (all but the head) and w⁰ their pre-trained values.
 */
export function l2SpPenalty(variables: ReadonlyMap<string, tf.Tensor>, start: ReadonlyMap<string, tf.Tensor>, alpha: number, beta: number): tf.Scalar {
  return tf.tidy(() => {
    const shared: tf.Scalar[] = [];
    const head: tf.Scalar[] = [];
    for (const [name, w] of variables) {
      if (name.startsWith(`${HEAD_LAYER}/`)) head.push(tf.sum(tf.square(w)));
      else {
        const w0 = start.get(name);
        if (!w0) throw new Error(`l2-sp: no starting value for weight '${name}'`);
        shared.push(tf.sum(tf.square(tf.sub(w, w0))));
      }
    }
    const zero = tf.scalar(0);
    const s = shared.length > 0 ? tf.addN(shared) : zero;
    const h = head.length > 0 ? tf.addN(head) : zero;
    return tf.add(tf.mul(s, alpha / 2), tf.mul(h, beta / 2)) as tf.Scalar;
  });
}

export const l2SpRegulariser: RegulariserDefinition<'l2-sp'> = {
  name: 'l2-sp',
  description: '(α/2)‖w_S − w⁰_S‖² + (β/2)‖w_head‖²',
  issues: () => [],
  create(cfg, setup) {
    const start = setup.start.getWeights();
    return {
      name: 'l2-sp',
      penalty: () => l2SpPenalty(setup.learner.namedVariables(), start, cfg.alpha, cfg.beta),
      dispose: () => disposeMap(start),
    };
  },
};
