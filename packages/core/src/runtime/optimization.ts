import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config/experiment-schema';
import { FusedAdam } from './optimizers/fused-adam';

/** Learning rate at `step` (0-based) of `total`: linear warm-up, then the configured decay. */
export function learningRateAt(train: Pick<TrainConfig, 'lr' | 'schedule' | 'warmupSteps'>, step: number, total: number): number {
  const { lr, schedule, warmupSteps } = train;
  const s = step + 1;
  if (warmupSteps > 0 && s <= warmupSteps && schedule !== 'inverse-sqrt') return (lr * s) / warmupSteps;
  const span = Math.max(1, total - warmupSteps);
  const progress = Math.min(1, Math.max(0, (s - warmupSteps) / span));
  switch (schedule) {
    case 'constant':
      return lr;
    case 'linear':
      return lr * (1 - progress) + lr * 0.01 * progress;
    case 'cosine':
      return lr * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * progress)));
    case 'inverse-sqrt': {
      const w = Math.max(1, warmupSteps);
      return s <= w ? (lr * s) / w : lr * Math.sqrt(w / s);
    }
  }
}

export function createOptimizer(train: Pick<TrainConfig, 'optimizer' | 'lr'>): tf.Optimizer {
  switch (train.optimizer) {
    case 'adam':
      // tfjs's Adam semantics; one native call per variable on wasm with @kt/native.
      return new FusedAdam(train.lr);
    case 'sgd':
      return tf.train.sgd(train.lr);
    case 'momentum':
      return tf.train.momentum(train.lr, 0.9);
    case 'rmsprop':
      return tf.train.rmsprop(train.lr);
  }
}

/** Sets the optimizer's learning rate for the next update. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const withSetter = optimizer as unknown as { setLearningRate?: (v: number) => void };
  if (typeof withSetter.setLearningRate === 'function') {
    withSetter.setLearningRate(lr);
  } else {
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
  }
}

/** Scales gradients so their global L2 norm is at most `maxNorm`; returns new tensors and the norm. */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: number } {
  const names = Object.keys(grads);
  const norm = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!))))).dataSync()[0]!);
  const scale = norm > maxNorm ? maxNorm / (norm + 1e-12) : 1;
  const out: tf.NamedTensorMap = {};
  for (const n of names) out[n] = scale === 1 ? tf.clone(grads[n]!) : tf.mul(grads[n]!, scale);
  return { grads: out, norm };
}

/** The optimizer's slots as an ordered map (stable across processes for the same variable order). */
export async function optimizerState(optimizer: tf.Optimizer): Promise<Map<string, tf.Tensor>> {
  const weights = await optimizer.getWeights();
  const out = new Map<string, tf.Tensor>();
  weights.forEach((w, i) => out.set(`${String(i).padStart(4, '0')}|${w.name}`, w.tensor));
  return out;
}

export async function restoreOptimizerState(optimizer: tf.Optimizer, state: Map<string, tf.Tensor>): Promise<void> {
  const entries = [...state.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  await optimizer.setWeights(entries.map(([key, tensor]) => ({ name: key.slice(key.indexOf('|') + 1), tensor })));
}
