import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@kt/core';
import type { Triples } from '../data';
import { l2Regularizer, marginRankingLoss, n3Regularizer, oneVsAllBce, oneVsAllCrossEntropy, selfAdversarialLoss, softplusLoss } from '../losses';
import type { EntityRange, KgModel } from '../models';
import type { NegativeSampler } from '../sampling';
import type { KgConfig, LossConfig } from '../config-schema';

type LossOf<K extends LossConfig['kind']> = Extract<LossConfig, { kind: K }>;

/** Losses over sampled negatives: positive scores [B] against negative scores [B, K]. */
export const SAMPLED_LOSSES = {
  margin: (pos: tf.Tensor1D, neg: tf.Tensor2D, c: LossOf<'margin'>): tf.Scalar => marginRankingLoss(pos, neg, c.margin),
  'self-adversarial': (pos: tf.Tensor1D, neg: tf.Tensor2D, c: LossOf<'self-adversarial'>): tf.Scalar => selfAdversarialLoss(pos, neg, c.temperature),
  softplus: (pos: tf.Tensor1D, neg: tf.Tensor2D): tf.Scalar => softplusLoss(pos, neg),
};

/** Losses over every candidate entity: logits [B, N] and the true entities [B]. */
export const ONE_TO_N_LOSSES = {
  ce: (logits: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar => oneVsAllCrossEntropy(logits, y),
  bce: (logits: tf.Tensor2D, y: tf.Tensor1D, c: LossOf<'bce'>): tf.Scalar => oneVsAllBce(logits, y, c.labelSmoothing),
};

/** Every loss kind of the schema is in exactly one of the two tables (checked by the compiler). */
const _allKinds: Record<LossConfig['kind'], true> = { margin: true, 'self-adversarial': true, softplus: true, ce: true, bce: true };
void _allKinds;

/** Whether a loss scores against every entity (1-N) rather than sampled negatives. */
export function isOneToN(loss: LossConfig): loss is LossOf<'ce' | 'bce'> {
  return loss.kind in ONE_TO_N_LOSSES;
}

function offsetIds(ids: Int32Array, offset: number): tf.Tensor1D {
  return tf.tensor1d(offset === 0 ? ids : ids.map((v) => v + offset), 'int32');
}

/**
 * The training loss of one batch of triples (local ids of one graph whose entities sit at rows
 * `range.start…` of the model's table): the configured loss over sampled negatives or over every
 * candidate (both directions), plus the regulariser on the batch's embedding rows.
 */
export function batchLoss(model: KgModel, batch: Triples, cfg: Pick<KgConfig, 'loss' | 'regularizer'>, sampler: NegativeSampler, rng: Rng, range: EntityRange, relationOffset = 0): tf.Scalar {
  return tf.tidy(() => {
    const b = batch.h.length;
    const h = offsetIds(batch.h, range.start);
    // Relation ids of the batch's own graph; `relationOffset` selects that graph's rows of a per-language relation table.
    const r = offsetIds(batch.r, relationOffset);
    const t = offsetIds(batch.t, range.start);
    const loss = cfg.loss;
    let main: tf.Scalar;
    if (isOneToN(loss)) {
      const f = ONE_TO_N_LOSSES[loss.kind] as (x: tf.Tensor2D, y: tf.Tensor1D, c: LossConfig) => tf.Scalar;
      const tails = f(model.scoreAll('tail', h, r, range), tf.tensor1d(batch.t, 'int32'), loss);
      const heads = f(model.scoreAll('head', t, r, range), tf.tensor1d(batch.h, 'int32'), loss);
      main = tf.div(tf.add(tails, heads), 2) as tf.Scalar;
    } else {
      const neg = sampler.sample(batch, rng);
      const k = neg.h.length / b;
      const pos = model.scoreTriples(h, r, t) as tf.Tensor1D;
      // The corrupted end of each negative: the query of each positive is built once (KgModel.scoreNegatives).
      const corrupted = new Int32Array(b * k);
      for (let i = 0; i < b; i++) corrupted.set((neg.corruptHead[i] ? neg.h : neg.t).subarray(i * k, (i + 1) * k), i * k);
      const negScores = model.scoreNegatives(h, r, t, tf.reshape(offsetIds(corrupted, range.start), [b, k]), tf.tensor1d(Int32Array.from(neg.corruptHead), 'int32'));
      main = (SAMPLED_LOSSES[loss.kind] as (p: tf.Tensor1D, n: tf.Tensor2D, c: LossConfig) => tf.Scalar)(pos, negScores, loss);
    }
    const reg = cfg.regularizer;
    if (reg.kind === 'none' || reg.weight === 0) return main;
    const factors = model.factors(h, r, t);
    return tf.add(main, reg.kind === 'n3' ? n3Regularizer(factors, reg.weight, b) : l2Regularizer(factors, reg.weight, b)) as tf.Scalar;
  });
}
