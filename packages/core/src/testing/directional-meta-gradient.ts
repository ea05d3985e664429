import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../runtime/rng';
import { metaTeacherGradients, type MetaGradientInput } from '../runtime/teacher-update';

/** The teacher gradient along one direction, as {@link metaTeacherGradients} computes it and as a finite difference. */
export interface DirectionalMetaGradient {
  /** ⟨∇φ L_q(θ'(φ)), u⟩ from {@link metaTeacherGradients}. */
  predicted: number;
  /** [L_q(θ'(φ + h·u)) − L_q(θ'(φ − h·u))] / 2h. */
  fd: number;
}

/**
 * MetaDistil's teacher gradient checked along a random unit direction u of the teacher's weights (drawn from `rng`,
 * one normal per weight, after the meta-gradient is computed): the predicted directional derivative against a central
 * finite difference of φ ↦ L_q(θ'(φ)), θ' = θ − η ∇θ L_kd(θ, φ) the pilot SGD step, computed by assigning φ ± h·u and
 * taking the step by hand. Learner and teacher weights hold θ and φ again when it returns, and it keeps no tensor.
 * `h` defaults to 1e-3: with ReLU or max-pool the difference must stay within one linear piece.
 */
export function directionalMetaGradient(input: MetaGradientInput & { rng: Rng; h?: number }): DirectionalMetaGradient {
  const { learnerVars: lv, teacherVars: tv, kdLoss, quizLoss, pilotLr: eta, rng } = input;
  const h = input.h ?? 1e-3;
  const out = metaTeacherGradients(input);
  const raw = tv.map((v) => rng.normals(v.size));
  const norm = Math.sqrt(raw.flat().reduce((a, b) => a + b * b, 0));
  const u = tv.map((v, i) => tf.tensor(raw[i]!.map((r) => r / norm), v.shape));
  const predicted = tf.tidy(() => tf.addN(tv.map((v, i) => tf.sum(tf.mul(out.grads[v.name]!, u[i]!)))).dataSync()[0]!);
  const phi = tv.map((v) => tf.clone(v));
  const theta = lv.map((v) => tf.clone(v));
  // A variable keeps its own reference to what it is assigned: the temporary is released.
  const assign = (v: tf.Variable, value: tf.Tensor): void => {
    v.assign(value);
    value.dispose();
  };
  const quizAfterPilot = (step: number): number => {
    tv.forEach((v, i) => assign(v, tf.tidy(() => tf.add(phi[i]!, tf.mul(u[i]!, step)))));
    const { value, grads } = tf.variableGrads(kdLoss, lv);
    lv.forEach((v) => assign(v, tf.tidy(() => tf.sub(v, tf.mul(grads[v.name]!, eta)))));
    tf.dispose([value, ...Object.values(grads)]);
    const q = tf.tidy(() => quizLoss().dataSync()[0]!);
    lv.forEach((v, i) => v.assign(theta[i]!));
    return q;
  };
  try {
    const fd = (quizAfterPilot(h) - quizAfterPilot(-h)) / (2 * h);
    return { predicted, fd };
  } finally {
    tv.forEach((v, i) => v.assign(phi[i]!));
    tf.dispose([...u, ...phi, ...theta, ...Object.values(out.grads)]);
  }
}
