import * as tf from '@tensorflow/tfjs';
import { InputSpec, OpCase } from './op-cases';
import { Rng } from '../../src/runtime/rng';

/** A tensor read back to plain numbers. */
export interface TensorValues {
  shape: number[];
  dtype: string;
  values: number[];
}

/** Forward outputs and gradients of one op case on one backend. */
export interface CaseResult {
  outputs: TensorValues[];
  grads: TensorValues[];
  /** tf.memory().numTensors after minus before running the case. */
  leakedTensors: number;
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  }
  return h >>> 0;
}


function makeValues(spec: InputSpec, seed: number): number[] {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const values = spec.values ?? (spec.dtype === 'bool' ? 'uniform' : 'normal');
  if (Array.isArray(values)) {
    if (values.length !== size) {
      throw new Error(`explicit values: ${values.length} given for shape [${spec.shape}]`);
    }
    return values;
  }
  // core's seeded generator, so each backend gets identical inputs.
  const gen = Rng.fromSeed(seed);
  const next = (): number => gen.next();
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    const u = next();
    if (spec.dtype === 'bool') {
      out.push(u < 0.5 ? 1 : 0);
    } else if (typeof values === 'object') {
      out.push(Math.floor(u * values.intBelow));
    } else if (values === 'normal') {
      out.push(Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * next()));
    } else if (values === 'uniform') {
      out.push(u);
    } else if (values === 'positive') {
      out.push(0.5 + u);
    } else if (values === 'negative') {
      out.push(-(0.1 + 3 * u));
    } else {
      out.push(Math.floor(u * 3));
    }
  }
  return out;
}

function read(t: tf.Tensor): TensorValues {
  return { shape: [...t.shape], dtype: t.dtype, values: Array.from(t.dataSync()) };
}

function asList(out: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(out) ? out : [out];
}

/** Runs one case on the current backend: forward outputs, then gradients of sum(out_i * w_i). */
export function runCase(c: OpCase): CaseResult {
  const before = tf.memory().numTensors;
  const base = seedOf(c.name);
  const xs = c.inputs.map((spec, i) => tf.tensor(makeValues(spec, base + i), spec.shape, spec.dtype ?? 'float32'));
  const outs = tf.tidy(() => asList(c.fn(...xs)));
  const outputs = outs.map(read);
  const floatOut = outs.every((o) => o.dtype === 'float32');
  const gradIdx = c.inputs
    .map((spec, i) => ((spec.grad ?? (spec.dtype ?? 'float32') === 'float32') ? i : -1))
    .filter((i) => i >= 0);
  let grads: TensorValues[] = [];
  if ((c.grads ?? true) && floatOut && gradIdx.length > 0) {
    const weights = outs.map((o, k) => tf.tensor(makeValues({ shape: o.shape }, base + 1000 + k), o.shape));
    const loss = (...diff: tf.Tensor[]): tf.Scalar => {
      const args = xs.slice();
      gradIdx.forEach((inputIndex, j) => {
        args[inputIndex] = diff[j];
      });
      const ys = asList(c.fn(...args));
      return tf.addN(ys.map((y, k) => tf.sum(tf.mul(y, weights[k])))) as tf.Scalar;
    };
    const gs = tf.grads(loss)(gradIdx.map((i) => xs[i]));
    grads = gs.map(read);
    tf.dispose([...gs, ...weights]);
  }
  tf.dispose([...xs, ...outs]);
  return { outputs, grads, leakedTensors: tf.memory().numTensors - before };
}

/** Largest violation of |a - b| <= atol + rtol * |b|, or undefined when all values agree. */
export function compareValues(
  actual: TensorValues,
  expected: TensorValues,
  rtol: number,
  atolFloor: number,
): string | undefined {
  if (actual.shape.join(',') !== expected.shape.join(',')) {
    return `shape [${actual.shape}] != [${expected.shape}]`;
  }
  if (actual.dtype !== expected.dtype) {
    return `dtype ${actual.dtype} != ${expected.dtype}`;
  }
  // Absolute floor scaled by the tensor's magnitude: sums with cancellation lose relative precision.
  const scale = expected.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const atol = atolFloor * Math.max(1, scale);
  let worst: { i: number; excess: number } | undefined;
  expected.values.forEach((e, i) => {
    const a = actual.values[i];
    const allowed = atol + rtol * Math.abs(e);
    const diff = Number.isNaN(e) && Number.isNaN(a) ? 0 : Math.abs(a - e);
    if (!(diff <= allowed) && (worst === undefined || diff - allowed > worst.excess)) {
      worst = { i, excess: diff - allowed };
    }
  });
  if (worst === undefined) {
    return undefined;
  }
  const i = worst.i;
  return `value[${i}] = ${actual.values[i]} but expected ${expected.values[i]} (rtol ${rtol}, atol ${atol})`;
}
