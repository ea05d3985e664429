import * as tf from '@tensorflow/tfjs';
import { chosenLayers, mapLayerIssues } from './model-layers';
import type { RegulariserDefinition } from './regulariser';

/**
 * The spatial attention map of feature maps A [n, h, w, c] (Zagoruyko & Komodakis, ICLR 2017, p = 2): Q = mean_c A²,
 * flattened to [n, h·w] and scaled to unit L2 norm per example (their `at(x) = normalize(x.pow(2).mean(1).view(n, -1))`).
 */
export function attentionMap(a: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w] = a.shape;
    const q = tf.mean(tf.square(a), 3).reshape([n, h * w]) as tf.Tensor2D;
    const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(q), 1, true)), 1e-12);
    return tf.div(q, norm) as tf.Tensor2D;
  });
}

/** Σ_j mean_{n, h·w} (Q_j − Q⁰_j)² over `layers` (their `at_loss = (at(x) − at(y)).pow(2).mean()`); Q⁰ is a constant. */
export function atPenalty(maps: Readonly<Record<string, tf.Tensor4D>>, startMaps: Readonly<Record<string, tf.Tensor4D>>, layers: readonly string[]): tf.Scalar {
  return tf.tidy(() => tf.addN(layers.map((l) => tf.mean(tf.square(tf.sub(attentionMap(maps[l]!), attentionMap(startMaps[l]!)))))) as tf.Scalar);
}

/** Attention transfer toward the starting point's attention maps. */
export const atRegulariser: RegulariserDefinition<'at'> = {
  name: 'at',
  description: 'match normalised spatial attention maps of chosen layers to the starting point\'s',
  issues: (cfg, config, at) => mapLayerIssues(cfg.layers, config, at),
  create(cfg, setup) {
    const layers = chosenLayers(cfg.layers, setup.config);
    return { name: 'at', penalty: (step) => atPenalty(step.learner.maps, step.start.maps, layers), dispose: () => undefined };
  },
};
