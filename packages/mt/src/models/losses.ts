import * as tf from '@tensorflow/tfjs';
import type { ForwardOptions, Transformer } from './transformer';

/** A teacher-forcing batch: decoder input is `[BOS, y]`, target is `[y, EOS]`, both right-padded with padId. */
export interface Seq2SeqBatch {
  /** int32 [B, S] source ids (padId-padded). */
  src: tf.Tensor2D;
  /** int32 [B, T] decoder input ids. */
  tgtIn: tf.Tensor2D;
  /** int32 [B, T] target ids. */
  tgtOut: tf.Tensor2D;
}

/** Teacher-forced logits [B, T, V] of a batch (default: inference mode, no dropout). */
export function teacherForcedLogits(
  model: Transformer,
  batch: Seq2SeqBatch,
  options: ForwardOptions = { training: false },
): tf.Tensor3D {
  return model.forward(batch.src, batch.tgtIn, options);
}

/** float32 mask [B, T]: 1 at real target tokens, 0 at padding. */
export function targetMask(tgtOut: tf.Tensor2D, padId = 0): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.notEqual(tgtOut, padId), 'float32') as tf.Tensor2D);
}

/**
 * Decoder-side tensors for id sequences y (no BOS/EOS inside): tgtIn = [BOS, y…], tgtOut = [y…, EOS]
 * (EOS omitted for rows where `appendEos[i]` is false), mask = 1 on tgtOut's real tokens; right-padded with padId
 * to the longest row.
 */
export function makeTargetTensors(
  targets: readonly (readonly number[])[],
  ids: { padId: number; bosId: number; eosId: number },
  appendEos?: readonly boolean[],
): { tgtIn: tf.Tensor2D; tgtOut: tf.Tensor2D; mask: tf.Tensor2D } {
  const b = targets.length;
  const t = Math.max(1, ...targets.map((y) => y.length + 1));
  const tin = new Int32Array(b * t).fill(ids.padId);
  const tout = new Int32Array(b * t).fill(ids.padId);
  const mask = new Float32Array(b * t);
  for (let i = 0; i < b; i++) {
    const y = targets[i];
    tin[i * t] = ids.bosId;
    y.forEach((id, j) => {
      tin[i * t + j + 1] = id;
      tout[i * t + j] = id;
      mask[i * t + j] = 1;
    });
    if (appendEos === undefined || appendEos[i]) {
      tout[i * t + y.length] = ids.eosId;
      mask[i * t + y.length] = 1;
    }
  }
  return {
    tgtIn: tf.tensor2d(tin, [b, t], 'int32'),
    tgtOut: tf.tensor2d(tout, [b, t], 'int32'),
    mask: tf.tensor2d(mask, [b, t], 'float32'),
  };
}

/**
 * Builds a teacher-forcing batch (plus its target mask) from id sequences: sources right-padded with padId
 * (no BOS/EOS added), targets as in {@link makeTargetTensors}.
 */
export function makeSeq2SeqBatch(
  sources: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
  ids: { padId: number; bosId: number; eosId: number },
  appendEos?: readonly boolean[],
): Seq2SeqBatch & { mask: tf.Tensor2D } {
  if (sources.length !== targets.length) throw new Error('makeSeq2SeqBatch: sources and targets differ in length');
  const b = sources.length;
  const s = Math.max(1, ...sources.map((x) => x.length));
  const src = new Int32Array(b * s).fill(ids.padId);
  for (let i = 0; i < b; i++) sources[i].forEach((id, j) => (src[i * s + j] = id));
  return { src: tf.tensor2d(src, [b, s], 'int32'), ...makeTargetTensors(targets, ids, appendEos) };
}
