import * as tf from '@tensorflow/tfjs';
import { adamUpdate, hasKernel, KT_KERNEL_NAMES } from '../../ops';

/** A moment slot: tfjs's naming (`<variable>/m`, `<variable>/v`) and its variable. */
interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** tfjs's NamedTensor (not re-exported by @tensorflow/tfjs). */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** Float32 rounding, as tfjs's scalar tensors store the accumulated beta powers. */
const f32 = Math.fround;

/**
 * Adam with exactly tfjs's AdamOptimizer semantics (update formula, epsilon inside the denominator,
 * bias correction through float32 accumulated beta powers, slot naming and getWeights/setWeights
 * format), which where the backend has the KtAdam kernel (wasm with @kt/native) does each variable's whole
 * update (value, m, v) in one kernel call (core's adamUpdate op). Elsewhere it runs tfjs's own
 * op sequence. `learningRate` may be reassigned between steps.
 */
export class FusedAdam extends tf.Optimizer {
  /** @nocollapse */
  static get className(): string {
    return 'FusedAdam';
  }

  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Whether the fused KtAdam kernel may be used (default true). */
  readonly useNative: boolean;
  private accBeta1: number;
  private accBeta2: number;
  private firstMoments: Slot[] = [];
  private secondMoments: Slot[] = [];
  private nativeCount = 0;

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number, options: { native?: boolean } = {}) {
    super();
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon ?? tf.backend().epsilon();
    this.useNative = options.native ?? true;
    this.accBeta1 = f32(beta1);
    this.accBeta2 = f32(beta2);
  }

  /** How many variable updates ran as one KtAdam kernel call so far (diagnostics). */
  get nativeUpdates(): number {
    return this.nativeCount;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const fused = this.useNative && hasKernel(KT_KERNEL_NAMES.adam);
    const acc1 = this.accBeta1;
    const acc2 = this.accBeta2;
    tf.tidy(() => {
      const oneMinusAcc1 = tf.scalar(1 - acc1);
      const oneMinusAcc2 = tf.scalar(1 - acc2);
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (value === undefined) throw new Error(`FusedAdam: no variable named '${name}'`);
        const m = (this.firstMoments[i] ??= { originalName: `${name}/m`, variable: this.zerosVariable(value) }).variable;
        const v = (this.secondMoments[i] ??= { originalName: `${name}/v`, variable: this.zerosVariable(value) }).variable;
        const grad = Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
        if (grad === undefined || grad === null) return;
        if (fused) {
          // core's adamUpdate op: one KtAdam kernel call for the whole update of this variable.
          const attrs = { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
          const [newValue, newM, newV] = adamUpdate(value, m, v, grad, { ...attrs, accBeta1: acc1, accBeta2: acc2 });
          value.assign(newValue);
          m.assign(newM);
          v.assign(newV);
          this.nativeCount++;
          return;
        }
        // tfjs's AdamOptimizer, op by op.
        const newM = tf.add(tf.mul(m, this.beta1), tf.mul(grad, 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
        const mHat = tf.div(newM, oneMinusAcc1);
        const vHat = tf.div(newV, oneMinusAcc2);
        m.assign(newM);
        v.assign(newV);
        value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), -this.learningRate), value));
      });
    });
    this.accBeta1 = f32(acc1 * f32(this.beta1));
    this.accBeta2 = f32(acc2 * f32(this.beta2));
    this.incrementIterations();
  }

  private zerosVariable(like: tf.Variable): tf.Variable {
    return tf.tidy(() => tf.zerosLike(like).variable(false));
  }

  override dispose(): void {
    tf.dispose([...this.firstMoments, ...this.secondMoments].map((s) => s.variable));
    this.firstMoments = [];
    this.secondMoments = [];
    super.dispose();
  }

  /** tfjs's format: the iteration count, then every first moment, then every second moment. */
  override async getWeights(): Promise<NamedTensor[]> {
    const slots = [...this.firstMoments, ...this.secondMoments];
    return [await this.saveIterations(), ...slots.map((s) => ({ name: s.originalName, tensor: s.variable }))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    // The same float32 product chain as `iterations` uninterrupted updates (f32(pow(β, n + 1)), as
    // tfjs recomputes it, differs by an ulp from the second step on and would break exact resumption).
    let acc1 = f32(this.beta1);
    let acc2 = f32(this.beta2);
    for (let i = 0; i < this.iterations; i++) {
      acc1 = f32(acc1 * f32(this.beta1));
      acc2 = f32(acc2 * f32(this.beta2));
    }
    this.accBeta1 = acc1;
    this.accBeta2 = acc2;
    tf.dispose([...this.firstMoments, ...this.secondMoments].map((s) => s.variable));
    const count = rest.length / 2;
    const toSlot = (w: NamedTensor): Slot => ({ originalName: w.name, variable: w.tensor.variable(false) });
    this.firstMoments = rest.slice(0, count).map(toSlot);
    this.secondMoments = rest.slice(count, count * 2).map(toSlot);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  /** @nocollapse */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const make = cls as unknown as new (lr: number, b1: number, b2: number, eps: number) => T;
    return new make(Number(config['learningRate']), Number(config['beta1']), Number(config['beta2']), Number(config['epsilon']));
  }
}
