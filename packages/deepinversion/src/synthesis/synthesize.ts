import * as tf from '@tensorflow/tfjs';
import { ConfigError, FusedAdam, Rng, startProgress, type Logger } from '@kt/core';
import { jitterFlip, type ClassifierModel } from '@kt/vision';
import type { SynthesisConfig } from '../config-schema';
import { deepInversionLoss, SYNTHESIS_TERM_NAMES } from '../losses/deep-inversion-loss';

/** Values of the loss terms at one iteration (unweighted; absent terms are switched off), and the weighted total. */
export type TermValues = Partial<Record<(typeof SYNTHESIS_TERM_NAMES)[number], number>> & { total: number };

/** A non-finite synthesis loss: a config problem (learning rate, weights), exit code 2, with every term's value. */
export class SynthesisDivergedError extends ConfigError {
  constructor(
    readonly iteration: number,
    readonly terms: TermValues,
  ) {
    const parts = Object.entries(terms).map(([k, v]) => `${k}=${v}`);
    super(`synthesis loss is not finite at iteration ${iteration}: ${parts.join(', ')}; lower synthesis.lr or the weights in synthesis.loss`);
    this.name = 'SynthesisDivergedError';
  }
}

export interface SynthesizeBatchOptions {
  /** The frozen teacher; it must have BatchNorm layers when `settings.loss.feature` > 0. */
  teacher: ClassifierModel;
  /** The student of Adaptive DeepInversion (needed when `settings.loss.competition` > 0). */
  student?: ClassifierModel;
  /** The target class of every image to synthesise. */
  labels: Int32Array;
  /** Per-image [h, w, c]. */
  shape: readonly number[];
  settings: SynthesisConfig;
  /** Every random draw (initial pixels, jitter, flips) comes from here. */
  rng: Rng;
  /** Called after each iteration with the terms' values (1-based iteration). */
  onIteration?(iteration: number, terms: TermValues): void;
}

export interface SynthesizedBatch {
  /** n · h · w · c pixel values (NHWC). */
  images: Float32Array;
  /** The terms at the last iteration. */
  terms: TermValues;
  seconds: number;
}

/**
 * DeepInversion on one batch: pixels start at 0.5 + 0.2·N(0, 1) and are optimised with Adam on
 * `deepInversionLoss` for `settings.iterations` iterations, each on a randomly jittered (rolled) and flipped copy;
 * with `warmupIterations` the first iterations optimise a half-resolution image that is upsampled bilinearly
 * (the multi-resolution warm-up), then continue at full resolution. Pixels are clipped to [0, 1] when `clip`.
 * A non-finite loss stops with a SynthesisDivergedError naming the iteration and every term.
 */
export function synthesizeBatch(options: SynthesizeBatchOptions): SynthesizedBatch {
  const { teacher, student, labels, settings, rng } = options;
  const [h, w, c] = options.shape as [number, number, number];
  const n = labels.length;
  const weights = settings.loss;
  if (weights.competition > 0 && !student) throw new ConfigError('synthesis.loss.competition > 0 (Adaptive DeepInversion) needs a student');
  const started = performance.now();
  const init = Float32Array.from({ length: n * h * w * c }, () => 0.5 + 0.2 * rng.normal());
  const y = tf.tensor1d(labels, 'int32');
  const warmup = Math.min(settings.warmupIterations, settings.iterations);
  let low: tf.Variable | undefined;
  let full: tf.Variable;
  if (warmup > 0) {
    low = variableOf(tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(init, [n, h, w, c]), [Math.ceil(h / 2), Math.ceil(w / 2)], true)));
    full = variableOf(tf.zeros([n, h, w, c]));
  } else {
    full = variableOf(tf.tensor4d(init, [n, h, w, c]));
  }
  // core's Adam (tfjs's semantics; one KtAdam kernel call per update where @kt/native runs it), same hyper-parameters.
  const adam = (): FusedAdam => new FusedAdam(settings.lr, settings.beta1, settings.beta2, 1e-8);
  let optimizer = adam();
  let terms: TermValues = { total: Number.NaN };
  try {
    for (let it = 0; it < settings.iterations; it++) {
      const warming = low !== undefined && it < warmup;
      if (low !== undefined && it === warmup) {
        // end of the warm-up: continue from the upsampled low-resolution image with a fresh optimizer
        const lowRes = low;
        assignFrom(full, tf.tidy(() => tf.image.resizeBilinear(lowRes as tf.Tensor4D, [h, w], true)));
        low.dispose();
        low = undefined;
        optimizer.dispose();
        optimizer = adam();
      }
      const variable = warming ? low! : full;
      let kept: tf.Tensor1D | undefined;
      let names: string[] = [];
      optimizer.minimize(
        () => {
          const input = warming ? (tf.image.resizeBilinear(variable as tf.Tensor4D, [h, w], true) as tf.Tensor4D) : (variable as tf.Tensor4D);
          const x = jitterFlip(input, settings.jitter, settings.flip, rng);
          const parts = deepInversionLoss(x, y, teacher, weights, student);
          const present = SYNTHESIS_TERM_NAMES.filter((k) => parts[k] !== undefined);
          names = [...present, 'total'];
          kept = tf.keep(tf.stack([...present.map((k) => parts[k]!), parts.total]) as tf.Tensor1D);
          return parts.total;
        },
        false,
        [variable],
      );
      const values = kept!.dataSync();
      kept!.dispose();
      terms = Object.fromEntries(names.map((k, i) => [k, values[i]!])) as TermValues;
      if (!Array.from(values).every(Number.isFinite)) throw new SynthesisDivergedError(it + 1, terms);
      if (settings.clip) assignFrom(variable, tf.tidy(() => tf.clipByValue(variable, 0, 1)));
      options.onIteration?.(it + 1, terms);
    }
    return { images: full.dataSync() as Float32Array, terms, seconds: (performance.now() - started) / 1000 };
  } finally {
    optimizer.dispose();
    low?.dispose();
    full.dispose();
    y.dispose();
  }
}

/** A trainable variable holding `value` (which is disposed). */
function variableOf(value: tf.Tensor): tf.Variable {
  const v = tf.variable(value);
  value.dispose();
  return v;
}

/** `v ← value`, then `value` is disposed (the variable keeps its own reference to the data). */
function assignFrom(v: tf.Variable, value: tf.Tensor): void {
  v.assign(value);
  value.dispose();
}

/** `count` target labels spread evenly over `numClasses` classes: 0, 1, …, K−1, 0, 1, … */
export function balancedLabels(count: number, numClasses: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => i % numClasses);
}

export interface SynthesizedSet {
  x: Float32Array;
  y: Int32Array;
  n: number;
  terms: TermValues[];
  seconds: number;
}

/** Synthesises images for `labels` in batches of `settings.batchSize` (each batch its own DeepInversion problem, its own Rng stream). */
export function synthesizeSet(
  options: Omit<SynthesizeBatchOptions, 'rng'> & { seed: number; stream?: number[]; progress?: { label: string; log?: (line: string) => void } },
): SynthesizedSet {
  const { labels, shape, settings } = options;
  // Iterations over all batches: a bar on a terminal, plain lines through `progress.log` otherwise, nothing with --quiet.
  const batches = Math.ceil(labels.length / settings.batchSize);
  const lineLog: Logger | undefined = options.progress?.log ? { info: options.progress.log, warn: options.progress.log, debug: () => undefined } : undefined;
  const progress = options.progress ? startProgress(options.progress.label, batches * settings.iterations, { log: lineLog, unit: 'iterations' }) : undefined;
  const d = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(labels.length * d);
  const terms: TermValues[] = [];
  let seconds = 0;
  for (let start = 0, b = 0; start < labels.length; start += settings.batchSize, b++) {
    const batchLabels = labels.slice(start, Math.min(labels.length, start + settings.batchSize));
    const out = synthesizeBatch({
      ...options,
      labels: batchLabels,
      rng: Rng.derive(options.seed, SYNTHESIS_STREAM, ...(options.stream ?? []), b),
      onIteration: (it, t) => {
        options.onIteration?.(it, t);
        progress?.update(b * settings.iterations + it, { loss: t.total });
      },
    });
    x.set(out.images, start * d);
    terms.push(out.terms);
    seconds += out.seconds;
  }
  return { x, y: Int32Array.from(labels), n: labels.length, terms, seconds };
}

/** Stream id of the synthesis draws: `Rng.derive(seed, SYNTHESIS_STREAM, …stream, batch)`. */
const SYNTHESIS_STREAM = 0xd1a7;

/** How a network sees a set of images: accuracy on the target labels and mean softmax probability of the target. */
export function scoreImages(model: ClassifierModel, x: Float32Array, y: Int32Array, shape: readonly number[]): { accuracy: number; confidence: number } {
  const n = y.length;
  if (n === 0) return { accuracy: 0, confidence: 0 };
  const [hits, conf] = tf.tidy(() => {
    const logits = model.forward(tf.tensor(x, [n, ...shape]), false);
    const labels = tf.tensor1d(y, 'int32');
    const probs = tf.softmax(logits);
    const target = tf.sum(tf.mul(probs, tf.oneHot(labels, logits.shape[1])), 1);
    return [tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32')).dataSync()[0]!, tf.sum(target).dataSync()[0]!];
  });
  return { accuracy: hits / n, confidence: conf / n };
}
