import type { ClassificationSplit } from './classification-split';

/** Per-channel mean and standard deviation of a split's features (last axis of `shape` = channels). */
export interface ChannelStats {
  mean: number[];
  std: number[];
}

/** Mean and (population) standard deviation of every channel over all examples and positions. */
export function channelStats(split: ClassificationSplit): ChannelStats {
  const c = split.shape[split.shape.length - 1] ?? 1;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let i = 0; i < split.x.length; i++) {
    const v = split.x[i]!;
    sum[i % c] += v;
    sq[i % c] += v * v;
  }
  const count = split.x.length / c;
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(0, s / count - mean[k]! ** 2)));
  return { mean, std };
}

/** A copy of `split` with every channel mapped to (x − mean) / std (std 0 is treated as 1). */
export function normalizeSplit(split: ClassificationSplit, stats: ChannelStats): ClassificationSplit {
  const c = stats.mean.length;
  if (c !== (split.shape[split.shape.length - 1] ?? 1) || stats.std.length !== c) {
    throw new RangeError(`normalizeSplit: ${c} channel statistics for per-example shape [${split.shape.join(', ')}]`);
  }
  const x = new Float32Array(split.x.length);
  const inv = stats.std.map((s) => (s > 0 ? 1 / s : 1));
  for (let i = 0; i < x.length; i++) x[i] = (split.x[i]! - stats.mean[i % c]!) * inv[i % c]!;
  return { ...split, x, shape: [...split.shape] };
}

/** Maps normalised values back to the original scale: x · std + mean (for writing images). */
export function denormalize(values: Float32Array, stats: ChannelStats): Float32Array {
  const c = stats.mean.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * stats.std[i % c]! + stats.mean[i % c]!;
  return out;
}

