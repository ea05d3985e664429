import * as crypto from 'crypto';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, sequenceNll, type Learner, type Metrics, type StepContext, type TaskRun, type TrainConfig, type Wrapped } from '@kt/core';
import { batchCount, batchIndices } from '../data/batches';
import { exampleSize, type ClassificationSplit } from '../data/classification-split';
import type { ClassificationData } from '../data/image-data-config';
import type { ClassifierModel } from '../models/classifier-model';
import { buildModel, type ModelSpecInput } from '../models/model-spec';

/*
 * Training and scoring helpers shared by the image plugins (classify, deepinversion): batches of a split at a
 * step, evaluation, the supervised run that also trains their teachers, and the data key of the teacher cache.
 */

/** What `evaluateClassifier` reports (and so what the supervised tasks declare as metrics). */
export const CLASSIFIER_METRICS = ['accuracy', 'nll'] as const;

/** The batches of one pass over `n` examples: batch `step mod count` of the step's epoch, from data's seeded `batchIndices`. */
export class EpochBatches {
  constructor(
    private readonly n: number,
    readonly batchSize: number,
    private readonly seed: number,
  ) {}

  get count(): number {
    return batchCount(this.n, this.batchSize);
  }

  /** The example indices of the batch trained at `step` (a pure function of the step: resumption is exact). */
  at(step: StepContext): Int32Array {
    return batchIndices(this.n, this.batchSize, this.seed, step.epoch, step.step % this.count);
  }
}

export function gather(split: ClassificationSplit, idx: Int32Array): { x: tf.Tensor; y: tf.Tensor1D } {
  const d = exampleSize(split.shape);
  const x = new Float32Array(idx.length * d);
  const y = new Int32Array(idx.length);
  idx.forEach((i, k) => {
    x.set(split.x.subarray(i * d, (i + 1) * d), k * d);
    y[k] = split.y[i]!;
  });
  return { x: tf.tensor(x, [idx.length, ...split.shape]), y: tf.tensor1d(y, 'int32') };
}

function chunks(n: number, size: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let start = 0; start < n; start += size) out.push(Int32Array.from({ length: Math.min(size, n - start) }, (_, k) => start + k));
  return out;
}

/** The model's logits on every example of `split`, as a plain [n * classes] array. */
export function logitsOf(model: ClassifierModel, split: ClassificationSplit, chunk = 1000): Float32Array {
  const out = new Float32Array(split.n * split.numClasses);
  for (const idx of chunks(split.n, chunk)) {
    const values = tf.tidy(() => model.forward(gather(split, idx).x, false).dataSync());
    out.set(values, idx[0]! * split.numClasses);
  }
  return out;
}

/** Rows `idx` of a [n * width] array as a [idx.length, width] tensor. */
export function rows(values: Float32Array, width: number, idx: Int32Array): tf.Tensor2D {
  const out = new Float32Array(idx.length * width);
  idx.forEach((i, k) => out.set(values.subarray(i * width, (i + 1) * width), k * width));
  return tf.tensor2d(out, [idx.length, width]);
}

/** Accuracy and mean NLL of `model` on `split`, in chunks. An empty split is an error, never NaN. */
export function evaluateClassifier(model: ClassifierModel, split: ClassificationSplit, chunk = 1000): Metrics {
  if (split.n === 0) throw new ConfigError('cannot evaluate on an empty split (check the data split fractions)');
  let correct = 0;
  let nll = 0;
  for (const idx of chunks(split.n, chunk)) {
    const [c, l] = tf.tidy(() => {
      const { x, y } = gather(split, idx);
      const logits = model.forward(x, false);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32'));
      return [hits.dataSync()[0]!, sequenceNll(logits, y, undefined, { reduction: 'sum' }).dataSync()[0]!];
    });
    correct += c;
    nll += l;
  }
  return { accuracy: correct / split.n, nll: nll / split.n };
}

/** Builds a model of `spec` for `data`. */
export function modelFor(spec: ModelSpecInput, data: ClassificationData, seed: number, name: string): ClassifierModel {
  return buildModel(spec, { inputShape: data.shape, numClasses: data.numClasses, seed, name });
}

/** Supervised training of one model on labels (cross-entropy): task `train`, which also trains teachers. */
export function supervisedRun(learner: Learner & Wrapped<ClassifierModel>, data: ClassificationData, train: TrainConfig): TaskRun<undefined> {
  const batches = new EpochBatches(data.train.n, train.batchSize, train.seed);
  return {
    learner,
    stepsPerEpoch: batches.count,
    loss: (step) => {
      const { x, y } = gather(data.train, batches.at(step));
      return sequenceNll(learner.model.forward(x, true, step.rng.seed()), y) as tf.Scalar;
    },
    evaluate: async (split) => evaluateClassifier(learner.model, data[split]),
    dispose: () => learner.dispose(),
  };
}

/** sha256 of every split's features and labels: the teacher cache's data key (content, not path). */
export function dataContentHash(data: ClassificationData): string {
  const hash = crypto.createHash('sha256').update(JSON.stringify({ shape: data.shape, numClasses: data.numClasses }));
  for (const split of [data.train, data.val, data.test]) hash.update(`|${split.n}|`).update(split.x).update(split.y);
  return hash.digest('hex').slice(0, 16);
}

