import * as tf from '@tensorflow/tfjs';
import { sequenceNll } from '@kt/core';
import { exampleSize } from '@kt/vision';
import type { FinetuneNet } from '../models/finetune-net';
import type { FittedHead } from './fitted-head';
import { chosenLayers, mapLayerIssues } from './model-layers';
import type { RegulariserDefinition } from './regulariser';

/**
 * DELTA's channel attention of one layer from the loss increase Δ_c when channel c is zeroed: softmax(z / T) with
 * z_c = (Δ_c − mean Δ) / std Δ (population std, as numpy's default in thuml's `calculate_channel_attention`, which uses
 * T = 5). Equal increases (std 0) give uniform weights.
 */
export function channelWeights(increases: readonly number[], temperature: number): Float32Array {
  const n = increases.length;
  const mean = increases.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(increases.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const z = increases.map((v) => (std > 0 ? (v - mean) / std : 0) / temperature);
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const total = e.reduce((a, b) => a + b, 0);
  return Float32Array.from(e, (v) => v / total);
}

/**
 * The loss increases of zeroing each channel of `layer` in the pre-trained model (its body, then `head` fitted on the
 * target labels), measured once on the labelled examples `x` [n, …] with labels `y`.
 */
export function channelLossIncreases(model: FinetuneNet, head: FittedHead, layer: string, x: tf.Tensor, y: tf.Tensor1D): number[] {
  const loss = (mask?: { layer: string; channel: number }): number => tf.tidy(() => sequenceNll(head.logits(model.body(x, mask).features), y).dataSync()[0]!);
  const base = loss();
  return Array.from({ length: model.layerChannels(layer) }, (_, channel) => loss({ layer, channel }) - base);
}

/**
 * DELTA's behavioural penalty (Li et al., ICLR 2019), as thuml's `AttentionBehavioralRegularization` but averaged over
 * the batch: ½ Σ_j Σ_c (C_j W_jc / (h_j w_j)) mean_n ‖FM_jc(w, x) − FM_jc(w⁰, x)‖², W_j the layer's channel weights
 * (summing to 1, so C_j W_jc averages 1 over the channels).
 */
export function deltaPenalty(
  maps: Readonly<Record<string, tf.Tensor4D>>,
  startMaps: Readonly<Record<string, tf.Tensor4D>>,
  weights: ReadonlyMap<string, tf.Tensor1D>,
): tf.Scalar {
  return tf.tidy(() => {
    const terms = [...weights].map(([layer, w]) => {
      const [n, h, wd, c] = maps[layer]!.shape;
      const perChannel = tf.sum(tf.square(tf.sub(maps[layer]!, startMaps[layer]!)), [0, 1, 2]); // [c], summed over n
      return tf.mul(tf.sum(tf.mul(perChannel, w)), (0.5 * c) / (h * wd * n));
    });
    return tf.addN(terms) as tf.Scalar;
  });
}

export const deltaRegulariser: RegulariserDefinition<'delta'> = {
  name: 'delta',
  description: 'channel-weighted feature-map distance to the starting point (weights from the loss increase of zeroing each channel)',
  issues: (cfg, config, at) => mapLayerIssues(cfg.layers, config, at),
  create(cfg, setup) {
    const layers = chosenLayers(cfg.layers, setup.config);
    const head = setup.fittedHead();
    const { train } = setup.data;
    const n = Math.min(cfg.sampleSize, train.n);
    const d = exampleSize(train.shape);
    const x = tf.tensor(train.x.subarray(0, n * d), [n, ...train.shape]);
    const y = tf.tensor1d(train.y.subarray(0, n), 'int32');
    const weights = new Map<string, tf.Tensor1D>();
    try {
      for (const layer of layers) {
        const increases = channelLossIncreases(setup.start, head, layer, x, y);
        const w = channelWeights(increases, cfg.temperature);
        weights.set(layer, tf.tensor1d(w));
        setup.log.info(`delta: ${layer} channel weights ${Array.from(w, (v) => v.toFixed(3)).join(' ')} (max loss increase ${Math.max(...increases).toFixed(4)})`);
      }
    } finally {
      tf.dispose([x, y]);
    }
    return {
      name: 'delta',
      penalty: (step) => deltaPenalty(step.learner.maps, step.start.maps, weights),
      dispose: () => tf.dispose([...weights.values()]),
    };
  },
};
