import type * as tf from '@tensorflow/tfjs';
import type { ConfigIssue, Logger, TransferObjective } from '@kt/core';
import type { FinetuneConfig } from '../config-schema';
import type { TaskData } from '../data/finetune-data';
import type { BodyOutput, FinetuneNet } from '../models/finetune-net';
import type { FittedHead } from './fitted-head';
import type { RegulariserConfigOf, RegulariserName } from './regulariser-schema';

/** What one training step's penalties read: the batch, the learner's outputs on it, and the starting point's. */
export interface StepFeatures {
  readonly x: tf.Tensor;
  /** Target labels [n] (int32). */
  readonly y: tf.Tensor1D;
  /** The learner's maps, features and logits (differentiable). */
  readonly learner: BodyOutput & { readonly logits: tf.Tensor2D };
  /** The frozen starting point's maps and features on the same batch (constants: no gradient reaches them). */
  readonly start: BodyOutput;
}

/** One configured penalty of a fine-tuning run. */
export interface Regulariser {
  readonly name: RegulariserName;
  /** The (unweighted) penalty of this step, differentiable w.r.t. the learner's variables. */
  penalty(step: StepFeatures): tf.Scalar;
  /** Frees the tensors the regulariser holds (channel weights, disentangler, starting weights). */
  dispose(): void;
}

/** What a regulariser may use when it is built, before training (computed once per run). */
export interface RegulariserSetup {
  readonly config: FinetuneConfig;
  /** The model being fine-tuned. */
  readonly learner: FinetuneNet;
  /** The pre-trained source model (frozen): the starting point w⁰. */
  readonly start: FinetuneNet;
  /** The target task's data (labelled training set, validation, test). */
  readonly data: TaskData;
  /** The transfer objective of the config (`transfer.divergence`, τ): the KD regulariser's divergence. */
  readonly objective: TransferObjective;
  readonly log: Logger;
  /** A linear head fitted on the target labels over the starting point's `fc` features (fitted once, shared). */
  fittedHead(): FittedHead;
  /** The starting point's `fc` features of the labelled target examples, [n·dense] (computed once, shared). */
  startFeatures(): Float32Array;
}

/** A registered regulariser: its config checks (for `kt validate`) and how a run builds it. */
export interface RegulariserDefinition<N extends RegulariserName> {
  readonly name: N;
  readonly description: string;
  /** Problems with entry `index` of `regularisers` that need no training (`layers` the model lacks, k > batch size, …). */
  issues(cfg: RegulariserConfigOf<N>, config: FinetuneConfig, at: string): ConfigIssue[];
  create(cfg: RegulariserConfigOf<N>, setup: RegulariserSetup): Regulariser;
}
