import * as tf from '@tensorflow/tfjs';
import { createOptimizer, linear, matMul, Rng, sequenceNll } from '@kt/core';

/**
 * Squared maximum mean discrepancy between the samples `a` [n, d] and `b` [m, d] (Gretton et al., 2012; biased
 * V-statistic) with a sum of Gaussian kernels k(u, v) = Σ_σ exp(−‖u − v‖² / (2σ²)):
 * MMD² = mean k(a, a') + mean k(b, b') − 2 mean k(a, b).
 */
export function mmd2(a: tf.Tensor2D, b: tf.Tensor2D, bandwidths: readonly number[]): tf.Scalar {
  return tf.tidy(() => {
    const sq = (u: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D => {
      const uu = tf.sum(tf.square(u), 1, true);
      const vv = tf.sum(tf.square(v), 1, true);
      return tf.relu(tf.add(tf.sub(uu, tf.mul(matMul(u, v, false, true), 2)), tf.transpose(vv))) as tf.Tensor2D;
    };
    const kernel = (u: tf.Tensor2D, v: tf.Tensor2D): tf.Scalar => {
      const d2 = sq(u, v);
      return tf.mean(tf.addN(bandwidths.map((s) => tf.exp(tf.div(d2, -2 * s * s))))) as tf.Scalar;
    };
    return tf.sub(tf.add(kernel(a, a), kernel(b, b)), tf.mul(kernel(a, b), 2)) as tf.Scalar;
  });
}

/**
 * The Min-MI surrogate: the mean squared cross-correlation between the coordinates of `r` and `s` [n, d] over the
 * batch. For jointly Gaussian parts I(r; s) = −½ Σᵢ log(1 − ρᵢ²) over their canonical correlations ρᵢ, which is 0 exactly
 * when every cross-correlation is 0; this penalty drives them there (it is not the MINE estimator).
 */
export function crossCorrelation2(r: tf.Tensor2D, s: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const standardise = (u: tf.Tensor2D): tf.Tensor2D => {
      const { mean, variance } = tf.moments(u, 0);
      return tf.div(tf.sub(u, mean), tf.sqrt(tf.add(variance, 1e-6))) as tf.Tensor2D;
    };
    const n = r.shape[0];
    const c = tf.div(matMul(standardise(r), standardise(s), true, false), n);
    return tf.mean(tf.square(c)) as tf.Scalar;
  });
}

/** The disentangler's terms on a batch (each before its weight). */
export interface DisentanglerTerms {
  /** mean_n ‖r + s − f⁰‖² / d: the two parts together keep everything the source features hold. */
  readonly reconstruction: tf.Scalar;
  /** CE(labels, r·C + c): the relevant part predicts the target classes. */
  readonly classification: tf.Scalar;
  /** MMD²(r, s): maximised (Max-MMD), so relevant and irrelevant parts have different distributions. */
  readonly mmd: tf.Scalar;
  /** Mean squared cross-correlation of r and s: minimised when `mi` > 0 (Min-MI). */
  readonly mi: tf.Scalar;
}

export interface DisentanglerWeights {
  readonly reconstruction: number;
  readonly classification: number;
  readonly mmd: number;
  readonly mi: number;
}

/** A trainable variable holding `values` (the initial tensor is freed: a variable does not take it over). */
export function variableOf(values: Float32Array, shape: number[]): tf.Variable {
  const initial = tf.tensor(values, shape);
  const v = tf.variable(initial);
  initial.dispose();
  return v;
}

/**
 * TRED's disentangling stage over frozen source features f⁰ [n, d]: two affine maps split them into a relevant part
 * r = f⁰ A_r + b_r and an irrelevant part s = f⁰ A_i + b_i; a linear classifier reads r. Trained (Adam) to minimise
 * w_rec·reconstruction + w_cls·classification − w_mmd·MMD²(r, s) + w_mi·crossCorrelation²(r, s). The MMD bandwidths are
 * fixed from f⁰ (the median pairwise distance × {½, 1, 2}), so MMD² stays bounded (≤ 2 per kernel).
 */
export class Disentangler {
  private readonly ar: tf.Variable;
  private readonly br: tf.Variable;
  private readonly ai: tf.Variable;
  private readonly bi: tf.Variable;
  private readonly cls: tf.Variable;
  private readonly clsBias: tf.Variable;
  readonly bandwidths: readonly number[];

  constructor(
    readonly dim: number,
    readonly classes: number,
    seed: number,
    bandwidths: readonly number[],
  ) {
    const rng = Rng.derive(seed, 0x7ed);
    const half = (): Float32Array => {
      const v = Float32Array.from(rng.normals(dim * dim, 0.01));
      for (let i = 0; i < dim; i++) v[i * dim + i] = v[i * dim + i]! + 0.5;
      return v;
    };
    this.ar = variableOf(half(), [dim, dim]);
    this.ai = variableOf(half(), [dim, dim]);
    this.br = variableOf(new Float32Array(dim), [dim]);
    this.bi = variableOf(new Float32Array(dim), [dim]);
    this.cls = variableOf(Float32Array.from(rng.normals(dim * classes, 0.01)), [dim, classes]);
    this.clsBias = variableOf(new Float32Array(classes), [classes]);
    this.bandwidths = [...bandwidths];
  }

  /** The target-relevant part of source features f⁰ [n, d]. */
  relevant(f0: tf.Tensor2D): tf.Tensor2D {
    return linear(f0, this.ar, this.br) as tf.Tensor2D;
  }

  irrelevant(f0: tf.Tensor2D): tf.Tensor2D {
    return linear(f0, this.ai, this.bi) as tf.Tensor2D;
  }

  terms(f0: tf.Tensor2D, y: tf.Tensor1D): DisentanglerTerms {
    const r = this.relevant(f0);
    const s = this.irrelevant(f0);
    return {
      reconstruction: tf.div(tf.mean(tf.sum(tf.square(tf.sub(tf.add(r, s), f0)), 1)), this.dim) as tf.Scalar,
      classification: sequenceNll(linear(r, this.cls, this.clsBias), y) as tf.Scalar,
      mmd: mmd2(r, s, this.bandwidths),
      mi: crossCorrelation2(r, s),
    };
  }

  objective(f0: tf.Tensor2D, y: tf.Tensor1D, w: DisentanglerWeights): tf.Scalar {
    const t = this.terms(f0, y);
    return tf.addN([tf.mul(t.reconstruction, w.reconstruction), tf.mul(t.classification, w.classification), tf.mul(t.mmd, -w.mmd), tf.mul(t.mi, w.mi)]) as tf.Scalar;
  }

  variables(): tf.Variable[] {
    return [this.ar, this.br, this.ai, this.bi, this.cls, this.clsBias];
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

/** Median pairwise Euclidean distance of the rows of `f` [n·d] (at most the first 256 rows), the MMD bandwidth scale. */
export function medianDistance(f: Float32Array, d: number): number {
  const n = Math.min(256, f.length / d);
  const dist: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (f[i * d + k]! - f[j * d + k]!) ** 2;
      dist.push(Math.sqrt(s));
    }
  }
  if (dist.length === 0) return 1;
  dist.sort((a, b) => a - b);
  return dist[Math.floor(dist.length / 2)]! || 1;
}

export interface TrainDisentanglerOptions extends DisentanglerWeights {
  readonly steps: number;
  readonly lr: number;
  readonly seed: number;
  /** Examples per step (sampled without replacement when there are more). */
  readonly batchSize?: number;
  /**
   * Examples the final terms are measured on (default 512; the first ones of a seeded permutation when there are
   * more). MMD² builds n×n kernel matrices, so the whole labelled set (13k images at `labelsPerClass: all`) would need
   * gigabytes: it overran the wasm heap.
   */
  readonly evalSize?: number;
}

/** Trains a Disentangler on source features f0 [n·d] with target labels; returns it with the final terms on (up to `evalSize` of) the set. */
export function trainDisentangler(
  f0: Float32Array,
  labels: Int32Array,
  classes: number,
  options: TrainDisentanglerOptions,
): { disentangler: Disentangler; final: Record<keyof DisentanglerTerms, number> } {
  const n = labels.length;
  const d = f0.length / n;
  const median = medianDistance(f0, d);
  const disentangler = new Disentangler(d, classes, options.seed, [0.5 * median, median, 2 * median]);
  const optimizer = createOptimizer({ optimizer: 'adam', lr: options.lr });
  const batch = Math.min(options.batchSize ?? 256, n);
  const all = tf.tensor2d(f0, [n, d]);
  const allY = tf.tensor1d(labels, 'int32');
  try {
    for (let step = 0; step < options.steps; step++) {
      const rows = batch === n ? undefined : Int32Array.from(Rng.derive(options.seed, 0xd15e, step).permutation(n).slice(0, batch));
      tf.tidy(() => {
        const idx = rows ? tf.tensor1d(rows, 'int32') : undefined;
        const x = idx ? tf.gather(all, idx) : all;
        const y = idx ? tf.gather(allY, idx) : allY;
        optimizer.minimize(() => disentangler.objective(x, y, options), false, disentangler.variables());
      });
    }
    const evalSize = Math.min(options.evalSize ?? 512, n);
    const final = tf.tidy(() => {
      const idx = evalSize === n ? undefined : tf.tensor1d(Int32Array.from(Rng.derive(options.seed, 0xe7a1).permutation(n).slice(0, evalSize)), 'int32');
      const t = idx ? disentangler.terms(tf.gather(all, idx), tf.gather(allY, idx)) : disentangler.terms(all, allY);
      return { reconstruction: t.reconstruction.dataSync()[0]!, classification: t.classification.dataSync()[0]!, mmd: t.mmd.dataSync()[0]!, mi: t.mi.dataSync()[0]! };
    });
    return { disentangler, final };
  } catch (err) {
    disentangler.dispose();
    throw err;
  } finally {
    optimizer.dispose();
    tf.dispose([all, allY]);
  }
}
