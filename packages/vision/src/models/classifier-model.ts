import * as tf from '@tensorflow/tfjs';
import { DEFAULT_BN_EPSILON, DEFAULT_BN_MOMENTUM, type BatchNormParams, type BatchNormStats } from './batch-norm';

/** How one forward pass runs: training (dropout, BatchNorm batch statistics) and what it records. */
export interface ForwardContext {
  readonly training: boolean;
  readonly dropoutSeed?: number;
  /** When given, every BatchNorm layer appends the statistics of its input batch, in layer order. */
  readonly stats?: BatchNormStats[];
}

/** A forward pass's logits and every BatchNorm layer's batch statistics (empty for a model without BN). */
export interface ForwardWithStats {
  logits: tf.Tensor2D;
  stats: BatchNormStats[];
}

/**
 * A classifier as plain tfjs variables plus a forward function. Teacher and learner are separate
 * instances, so `trainableVariables()` of one never includes the other's (pass only the learner's
 * to `optimizer.minimize`).
 */
export interface ClassifierModel {
  readonly name: string;
  /** Per-example input shape, e.g. [28, 28, 1] or [784]; forward also accepts [n, product(inputShape)]. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /**
   * Logits [n, numClasses]. Intermediates are freed; the caller owns the result. training=true enables
   * dropout; `dropoutSeed` (e.g. drawn from the step's rng) fixes its masks, so a resumed run draws the
   * same ones; without it the model's own seeded stream is used.
   */
  forward(x: tf.Tensor, training: boolean, dropoutSeed?: number): tf.Tensor2D;
  /**
   * Logits plus, per BatchNorm layer (in order), the mean and biased variance of its input over (n, h, w)
   * and its running statistics: tfjs has no forward hooks, so the model returns them when asked. Gradients
   * flow through the batch statistics. The caller owns every returned tensor except `runningMean`/`runningVariance`
   * (the layer's own variables).
   */
  forwardWithStats(x: tf.Tensor, training: boolean, dropoutSeed?: number): ForwardWithStats;
  /** Names of the BatchNorm layers (e.g. `stem/bn`), in forward order; empty for a model without BN. */
  batchNormLayers(): string[];
  /** The model's trainable variables in a stable order (BatchNorm running statistics are not among them). */
  trainableVariables(): tf.Variable[];
  /** Stable checkpoint keys of every weight, trainable or not, e.g. 'dense0/kernel', 'stem/bn/runningMean'. */
  weightNames(): string[];
  /** Copies of all weights by stable key; the caller owns (and must dispose) the tensors. */
  getWeights(): Map<string, tf.Tensor>;
  /** Assigns every weight from `weights` (same keys and shapes, else throws before changing anything). Does not take ownership. */
  setWeights(weights: Map<string, tf.Tensor>): void;
  /** Frees the variables; the model is unusable afterwards. */
  dispose(): void;
  parameterCount(): number;
}

let variableCounter = 0;

/**
 * Shared bookkeeping for models built from explicit tf.variable weights. The tfjs variable names
 * get a process-unique suffix (tfjs refuses two variables of one name, and a teacher and a learner
 * may share a model name); checkpoints use the stable keys of `weightNames()` instead.
 */
export abstract class VariableClassifier implements ClassifierModel {
  private readonly variables = new Map<string, tf.Variable>();
  private readonly bnLayers: string[] = [];
  private disposed = false;

  protected constructor(
    readonly name: string,
    readonly inputShape: readonly number[],
    readonly numClasses: number,
  ) {}

  /** The model's computation (inside a tidy of the caller's), recording BN statistics into `ctx.stats` when given. */
  protected abstract compute(x: tf.Tensor, ctx: ForwardContext): tf.Tensor2D;

  forward(x: tf.Tensor, training: boolean, dropoutSeed?: number): tf.Tensor2D {
    this.assertAlive();
    return tf.tidy(() => this.compute(x, { training, dropoutSeed }));
  }

  forwardWithStats(x: tf.Tensor, training: boolean, dropoutSeed?: number): ForwardWithStats {
    this.assertAlive();
    const stats: BatchNormStats[] = [];
    const logits = tf.tidy(() => {
      const out = this.compute(x, { training, dropoutSeed, stats });
      for (const s of stats) {
        tf.keep(s.mean);
        tf.keep(s.variance);
      }
      return out;
    });
    return { logits, stats };
  }

  batchNormLayers(): string[] {
    return [...this.bnLayers];
  }

  /**
   * A BatchNorm layer over `channels`: γ = 1 and β = 0 (trainable), running mean 0 and variance 1 (state),
   * registered as `<name>/{gamma,beta,runningMean,runningVariance}` and listed by `batchNormLayers()`.
   */
  protected addBatchNorm(name: string, channels: number, options: { momentum?: number; epsilon?: number } = {}): BatchNormParams {
    const ones = new Float32Array(channels).fill(1);
    const params: BatchNormParams = {
      name,
      gamma: this.addWeight(`${name}/gamma`, ones.slice(), [channels]),
      beta: this.addWeight(`${name}/beta`, new Float32Array(channels), [channels]),
      runningMean: this.addWeight(`${name}/runningMean`, new Float32Array(channels), [channels], false),
      runningVariance: this.addWeight(`${name}/runningVariance`, ones.slice(), [channels], false),
      momentum: options.momentum ?? DEFAULT_BN_MOMENTUM,
      epsilon: options.epsilon ?? DEFAULT_BN_EPSILON,
    };
    this.bnLayers.push(name);
    return params;
  }

  /**
   * Registers a weight under a stable key, taking ownership of `values`. `trainable: false` is state that
   * is checkpointed but never optimised (BatchNorm running statistics).
   */
  protected addWeight(key: string, values: Float32Array, shape: number[], trainable = true): tf.Variable {
    if (this.variables.has(key)) throw new Error(`${this.name}: duplicate weight '${key}'`);
    const initial = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(initial, trainable, `${this.name}/${key}_${++variableCounter}`);
    initial.dispose();
    this.variables.set(key, variable);
    return variable;
  }

  protected weight(key: string): tf.Variable {
    this.assertAlive();
    const v = this.variables.get(key);
    if (!v) throw new Error(`${this.name}: no weight '${key}'`);
    return v;
  }

  /** Reshapes [n, ...] input to [n, ...shape], checking the per-example size. */
  protected reshapeInput(x: tf.Tensor, shape: readonly number[]): tf.Tensor {
    const d = shape.reduce((a, b) => a * b, 1);
    const perExample = x.shape.slice(1).reduce((a, b) => a * b, 1);
    if (x.rank < 2 || perExample !== d) {
      throw new Error(`${this.name}: input shape [${x.shape.join(', ')}] does not match per-example shape [${this.inputShape.join(', ')}]`);
    }
    return x.reshape([x.shape[0], ...shape]);
  }

  trainableVariables(): tf.Variable[] {
    this.assertAlive();
    return [...this.variables.values()].filter((v) => v.trainable);
  }

  weightNames(): string[] {
    return [...this.variables.keys()];
  }

  getWeights(): Map<string, tf.Tensor> {
    this.assertAlive();
    const out = new Map<string, tf.Tensor>();
    for (const [key, v] of this.variables) out.set(key, tf.clone(v));
    return out;
  }

  setWeights(weights: Map<string, tf.Tensor>): void {
    this.assertAlive();
    const problems: string[] = [];
    for (const [key, v] of this.variables) {
      const w = weights.get(key);
      if (!w) problems.push(`missing '${key}'`);
      else if (!tf.util.arraysEqual(w.shape, v.shape)) {
        problems.push(`'${key}' has shape [${w.shape.join(', ')}], expected [${v.shape.join(', ')}]`);
      }
    }
    for (const key of weights.keys()) if (!this.variables.has(key)) problems.push(`unexpected '${key}'`);
    if (problems.length > 0) throw new Error(`${this.name}: setWeights: ${problems.join('; ')}`);
    for (const [key, v] of this.variables) {
      const w = weights.get(key) as tf.Tensor;
      v.assign(w.dtype === 'float32' ? w : tf.cast(w, 'float32'));
    }
  }

  /** Number of trainable parameters (BatchNorm running statistics are state, not parameters). */
  parameterCount(): number {
    let count = 0;
    for (const v of this.variables.values()) if (v.trainable) count += v.size;
    return count;
  }

  dispose(): void {
    if (this.disposed) return;
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
    this.disposed = true;
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error(`${this.name}: model was disposed`);
  }
}
