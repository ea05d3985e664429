import * as tf from '@tensorflow/tfjs';
import { withTeacherGradients } from '../divergence/stop-gradient';
import { runComposite } from './composite-mode';
import { Rng } from './rng';
import { registerSecondOrderGradients } from './second-order-gradients';

/**
 * What MetaDistil needs to compute the teacher's gradient at one step. Both losses read the models'
 * *current* variables: the pilot weights θ' are assigned into the learner's variables for the quiz loss
 * and θ is restored bit-exactly afterwards (tfjs variables cannot be swapped inside a tape, and this way no
 * task or model needs a functional forward).
 */
export interface MetaGradientInput {
  /** θ: the learner's variables. */
  learnerVars: tf.Variable[];
  /** φ: the teacher's variables. */
  teacherVars: tf.Variable[];
  /** L_kd(θ, φ): the learner's training loss with the teacher's forward pass inside. */
  kdLoss: () => tf.Scalar;
  /** L_q(θ): the learner's loss on a quiz batch (no teacher). */
  quizLoss: () => tf.Scalar;
  /** η of the pilot SGD step θ' = θ − η ∇θ L_kd(θ, φ). */
  pilotLr: number;
  /** `second`: exact, double backprop through the step; `first`: finite difference of first-order gradients. */
  order: 'second' | 'first';
}

export interface MetaGradient {
  /** ∇φ L_q(θ'(φ)) by teacher variable name (the caller owns and disposes them). */
  grads: tf.NamedTensorMap;
  /** L_kd(θ, φ) before the pilot step. */
  kdLoss: number;
  /** L_q(θ'): the quiz loss after the pilot step. */
  quizLoss: number;
}

function assignAll(vars: tf.Variable[], values: tf.Tensor[]): void {
  vars.forEach((v, i) => v.assign(values[i]!));
}

/** Gradients of `f` for `vars` in `vars` order (zeros where `f` does not depend on a variable); returns f's value too. */
function gradsOf(f: () => tf.Scalar, vars: tf.Variable[]): { value: number; grads: tf.Tensor[] } {
  const { value, grads } = tf.variableGrads(f, vars);
  const v = value.dataSync()[0]!;
  value.dispose();
  return { value: v, grads: vars.map((x) => grads[x.name] ?? tf.zerosLike(x)) };
}

/**
 * ∇φ L_q(θ'(φ)) with θ' = θ − η ∇θ L_kd(θ, φ): MetaDistil's teacher gradient (Zhou et al., ACL 2022, eq. 4).
 * By the chain rule, with v = ∇L_q(θ') held constant,
 *
 *   ∇φ L_q(θ') = −η · ∇φ ⟨∇θ L_kd(θ, φ), v⟩,
 *
 * a mixed Hessian-vector product at θ. `second` computes it by differentiating the learner's backward pass
 * (inside {@link runComposite}, so fused ops use composites that tfjs can differentiate twice); `first`
 * approximates it by the central difference [∇φ L_kd(θ + εv, φ) − ∇φ L_kd(θ − εv, φ)] / 2ε with
 * ε = 0.01 / ‖v‖ (the DARTS approximation, Liu et al. 2019): first-order gradients only, so it works with any
 * kernel. The KD loss is evaluated with teacher gradients flowing through core's divergences
 * ({@link withTeacherGradients}). The learner's variables hold θ again, bit for bit, when this returns (or throws).
 */
export function metaTeacherGradients(input: MetaGradientInput): MetaGradient {
  const { learnerVars, teacherVars, quizLoss, pilotLr: eta } = input;
  // Core's divergences stop the teacher's gradient; the meta step needs it (see withTeacherGradients).
  const kdLoss = (): tf.Scalar => withTeacherGradients(input.kdLoss);
  const theta = learnerVars.map((v) => tf.clone(v));
  let v: tf.Tensor[] = [];
  try {
    const kd = gradsOf(kdLoss, learnerVars);
    tf.tidy(() => assignAll(learnerVars, learnerVars.map((x, i) => tf.sub(theta[i]!, tf.mul(kd.grads[i]!, eta)))));
    tf.dispose(kd.grads);
    const quiz = gradsOf(quizLoss, learnerVars);
    v = quiz.grads;
    assignAll(learnerVars, theta);
    const through = { ...input, kdLoss };
    const grads = input.order === 'second' ? secondOrder(through, v) : firstOrder(through, theta, v);
    const named: tf.NamedTensorMap = {};
    teacherVars.forEach((t, i) => (named[t.name] = grads[i]!));
    return { grads: named, kdLoss: kd.value, quizLoss: quiz.value };
  } finally {
    assignAll(learnerVars, theta);
    tf.dispose(theta);
    tf.dispose(v);
  }
}

/** −η ∇φ ⟨∇θ L_kd(θ, φ), v⟩ by double backprop. */
function secondOrder(input: MetaGradientInput, v: tf.Tensor[]): tf.Tensor[] {
  const { learnerVars, teacherVars, kdLoss, pilotLr: eta } = input;
  registerSecondOrderGradients();
  return runComposite(
    () =>
      gradsOf(() => {
        const inner = tf.variableGrads(kdLoss, learnerVars);
        const dot = tf.addN(learnerVars.map((x, i) => (inner.grads[x.name] ? tf.sum(tf.mul(inner.grads[x.name]!, v[i]!)) : tf.scalar(0))));
        return tf.mul(dot, -eta) as tf.Scalar;
      }, teacherVars).grads,
  );
}

/** −η [∇φ L_kd(θ + εv, φ) − ∇φ L_kd(θ − εv, φ)] / 2ε, ε = 0.01 / ‖v‖; leaves θ assigned. */
function firstOrder(input: MetaGradientInput, theta: tf.Tensor[], v: tf.Tensor[]): tf.Tensor[] {
  const { learnerVars, teacherVars, kdLoss, pilotLr: eta } = input;
  const norm = tf.tidy(() => Math.sqrt(tf.addN(v.map((g) => tf.sum(tf.square(g)))).dataSync()[0]!));
  if (!(norm > 0)) return teacherVars.map((t) => tf.zerosLike(t));
  const eps = 0.01 / norm;
  const at = (sign: number): tf.Tensor[] => {
    tf.tidy(() => assignAll(learnerVars, theta.map((t, i) => tf.add(t, tf.mul(v[i]!, sign * eps)))));
    return gradsOf(kdLoss, teacherVars).grads;
  };
  const plus = at(1);
  const minus = at(-1);
  assignAll(learnerVars, theta);
  const scale = -eta / (2 * eps);
  const out = plus.map((p, i) => tf.tidy(() => tf.mul(tf.sub(p, minus[i]!), scale)));
  tf.dispose([...plus, ...minus]);
  return out;
}

/** What {@link checkBackwardDifferentiable} found. */
export interface BackwardCheck {
  /** The backward pass of `f` can be differentiated again, exactly. */
  ok: boolean;
  /**
   * Why not: tfjs's error when an op on the backward pass has no gradient of its own (it names the kernel, e.g.
   * `KtGeluGrad`), or the two numbers that disagree when a gradient left the tape silently (a JS gradient).
   */
  reason?: string;
}

/**
 * Whether the backward pass of `f` with respect to `vars` can be differentiated again, checked exactly: for
 * S(w) = Σ_v ⟨r_v, ∇v (w · f)⟩ with fixed random r_v, dS/dw at w = 1 by double backprop must equal
 * Σ_v ⟨r_v, ∇v f⟩ from a first-order pass (S is linear in w). An op whose gradient leaves the tape (a fused
 * kernel's backward, a gradient computed in JS) drops its term or cuts the connection, and the check fails.
 * (Random directions, not sums: a gradient may sum to zero, e.g. into a LayerNorm.) By default it runs inside
 * {@link runComposite}, as the second-order meta step does; `composite: false` checks `f` as it runs in training.
 */
export function checkBackwardDifferentiable(vars: tf.Variable[], f: () => tf.Scalar, options: { composite?: boolean } = {}): BackwardCheck {
  registerSecondOrderGradients();
  const rng = Rng.fromSeed(0x5ec0);
  const check = (): BackwardCheck =>
    tf.tidy(() => {
      const r = vars.map((v) => tf.tensor(rng.normals(v.size), v.shape));
      const first = gradsOf(f, vars).grads;
      const expected = tf.addN(first.map((g, i) => tf.sum(tf.mul(g, r[i]!)))).dataSync()[0]!;
      let got: number;
      try {
        got = tf
          .grad((w: tf.Tensor) => {
            const { grads } = tf.variableGrads(() => tf.mul(f(), w) as tf.Scalar, vars);
            return tf.addN(vars.map((v, i) => (grads[v.name] ? tf.sum(tf.mul(grads[v.name]!, r[i]!)) : tf.scalar(0))));
          })(tf.scalar(1))
          .dataSync()[0]!;
      } catch (err) {
        return { ok: false, reason: (err as Error).message };
      }
      const scale = first.reduce((acc, g) => acc + tf.sum(tf.abs(g)).dataSync()[0]!, 0);
      if (Math.abs(got - expected) <= 1e-4 * Math.max(1e-6, scale)) return { ok: true };
      return {
        ok: false,
        reason: `double backprop gives ${got.toPrecision(6)} where the first-order gradient gives ${expected.toPrecision(6)}: a gradient on the backward pass is computed off the tape (e.g. in JS)`,
      };
    });
  return options.composite === false ? check() : runComposite(check);
}

/** {@link checkBackwardDifferentiable}'s verdict alone (inside {@link runComposite}). */
export function backwardDifferentiable(vars: tf.Variable[], f: () => tf.Scalar): boolean {
  return checkBackwardDifferentiable(vars, f).ok;
}
