import * as tf from '@tensorflow/tfjs';
import { trainDisentangler } from './tred-disentangler';
import type { RegulariserDefinition } from './regulariser';

/** ½ mean_n ‖f − r‖²: the learner's features toward the (constant) target-relevant part r of the source features. */
export function relevantDistance(features: tf.Tensor2D, relevant: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.mean(tf.sum(tf.square(tf.sub(features, relevant)), 1)), 0.5) as tf.Scalar);
}

/**
 * TRED (Li et al., 2020). Stage 1, once per run: a Disentangler is trained on the pre-trained model's `fc` features
 * of the labelled target examples (reconstruction + target classification of the relevant part − Max-MMD, + Min-MI
 * when `mi` > 0). Stage 2, fine-tuning: the penalty ½‖f_w(x) − r(f⁰(x))‖² pulls the learner's features toward the
 * relevant part only, r computed by the frozen disentangler from the starting point's features of the batch.
 */
export const tredRegulariser: RegulariserDefinition<'tred'> = {
  name: 'tred',
  description: 'disentangle the target-relevant part of the source features (Max-MMD, optional Min-MI), then regularise toward it',
  issues: () => [],
  create(cfg, setup) {
    const { train } = setup.data;
    const { disentangler, final } = trainDisentangler(setup.startFeatures(), train.y, train.numClasses, {
      steps: cfg.steps,
      lr: cfg.lr,
      seed: setup.config.train.seed,
      reconstruction: cfg.reconstruction,
      classification: cfg.classification,
      mmd: cfg.mmd,
      mi: cfg.mi,
    });
    setup.log.info(
      `tred: disentangled in ${cfg.steps} steps: reconstruction ${final.reconstruction.toFixed(4)}, classification ${final.classification.toFixed(4)}, MMD² ${final.mmd.toFixed(4)}, cross-correlation² ${final.mi.toFixed(4)}`,
    );
    return {
      name: 'tred',
      penalty: (step) => tf.tidy(() => relevantDistance(step.learner.features, disentangler.relevant(step.start.features))),
      dispose: () => disentangler.dispose(),
    };
  },
};
