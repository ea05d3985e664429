import * as tf from '@tensorflow/tfjs';
import { backwardDifferentiable, metaTeacherGradients } from '../../src/runtime/teacher-update';
import { compositeOnly, runComposite } from '../../src/runtime/composite-mode';
import { Rng } from '../../src/runtime/rng';
import { forwardKl } from '../../src/divergence/forward-kl';

/**
 * A linear softmax learner θ = W and teacher φ = V on a tiny problem, where MetaDistil's teacher gradient
 * has a closed form (float64 here):
 *   L_kd(W, V) = mean_i KL(q_i ‖ p_i), q = softmax(XV), p = softmax(XW);  ∇W L_kd = Xᵀ(P − Q) / n
 *   W' = W − η ∇W L_kd;  L_q(W') = mean_j −log softmax(X_q W')_{j, y_j};  G = ∇L_q(W') = X_qᵀ(P' − Y) / m
 *   ∇V L_q(W'(V)) = −η ∇V ⟨Xᵀ(P − Q), G⟩ / n = (η / n) Xᵀ D,  D_i = q_i ⊙ (a_i − ⟨a_i, q_i⟩ 1),  A = X G.
 */
const n = 6;
const d = 3;
const c = 4;
const m = 5;
const eta = 0.5;
const rng = Rng.fromSeed(2024);
const X = rng.normals(n * d);
const Xq = rng.normals(m * d);
const yq = Array.from({ length: m }, () => rng.int(c));
const W0 = rng.normals(d * c, 0.5);
const V0 = rng.normals(d * c, 0.5);

type Mat = number[]; // row-major
function matmul(a: Mat, b: Mat, rows: number, inner: number, cols: number): Mat {
  const out = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) for (let k = 0; k < inner; k++) for (let j = 0; j < cols; j++) out[i * cols + j]! += a[i * inner + k]! * b[k * cols + j]!;
  return out;
}
function transpose(a: Mat, rows: number, cols: number): Mat {
  const out = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}
function softmaxRows(z: Mat, rows: number, cols: number): Mat {
  const out = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = z.slice(i * cols, (i + 1) * cols);
    const mx = Math.max(...row);
    const e = row.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (out[i * cols + j] = v / s));
  }
  return out;
}
function pilot(W: Mat, V: Mat): Mat {
  const P = softmaxRows(matmul(X, W, n, d, c), n, c);
  const Q = softmaxRows(matmul(X, V, n, d, c), n, c);
  const grad = matmul(transpose(X, n, d), P.map((p, i) => (p - Q[i]!) / n), d, n, c);
  return W.map((w, i) => w - eta * grad[i]!);
}
function quizLoss64(W: Mat): number {
  const P = softmaxRows(matmul(Xq, W, m, d, c), m, c);
  return yq.reduce((acc, y, j) => acc - Math.log(P[j * c + y]!), 0) / m;
}
function analyticMetaGradient(W: Mat, V: Mat): Mat {
  const W1 = pilot(W, V);
  const P1 = softmaxRows(matmul(Xq, W1, m, d, c), m, c);
  const G = matmul(transpose(Xq, m, d), P1.map((p, k) => (p - (yq[Math.floor(k / c)] === k % c ? 1 : 0)) / m), d, m, c);
  const A = matmul(X, G, n, d, c);
  const Q = softmaxRows(matmul(X, V, n, d, c), n, c);
  const D = new Array<number>(n * c);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    for (let j = 0; j < c; j++) dot += A[i * c + j]! * Q[i * c + j]!;
    for (let j = 0; j < c; j++) D[i * c + j] = Q[i * c + j]! * (A[i * c + j]! - dot);
  }
  return matmul(transpose(X, n, d), D, d, n, c).map((v) => (eta / n) * v);
}
function finiteDifference(W: Mat, V: Mat, h = 1e-5): Mat {
  return V.map((_, k) => {
    const plus = V.slice();
    const minus = V.slice();
    plus[k]! += h;
    minus[k]! -= h;
    return (quizLoss64(pilot(W, plus)) - quizLoss64(pilot(W, minus))) / (2 * h);
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('MetaDistil teacher gradient on a linear model', () => {
  let W: tf.Variable;
  let V: tf.Variable;
  let x: tf.Tensor2D;
  let xq: tf.Tensor2D;
  let labels: tf.Tensor2D;
  const kdLoss = (): tf.Scalar =>
    tf.tidy(() => {
      const logq = tf.logSoftmax(tf.matMul(x, V));
      const logp = tf.logSoftmax(tf.matMul(x, W));
      return tf.mean(tf.sum(tf.mul(tf.exp(logq), tf.sub(logq, logp)), -1)) as tf.Scalar;
    });
  const quizLoss = (): tf.Scalar => tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(tf.matMul(xq, W))), -1))) as tf.Scalar);

  beforeEach(() => {
    W = tf.variable(tf.tensor2d(W0, [d, c]), true, 'meta-test/W');
    V = tf.variable(tf.tensor2d(V0, [d, c]), true, 'meta-test/V');
    x = tf.tensor2d(X, [n, d]);
    xq = tf.tensor2d(Xq, [m, d]);
    labels = tf.oneHot(tf.tensor1d(yq, 'int32'), c).toFloat() as tf.Tensor2D;
  });
  afterEach(() => tf.dispose([W, V, x, xq, labels]));

  it('the closed form agrees with a float64 finite difference of L_q(θ′(φ))', () => {
    const analytic = analyticMetaGradient(W0, V0);
    const fd = finiteDifference(W0, V0);
    const scale = Math.max(...analytic.map(Math.abs));
    expect(scale).toBeGreaterThan(1e-3); // a real signal, not a vacuous zero
    expect(maxAbsDiff(analytic, fd)).toBeLessThan(1e-8 + 1e-6 * scale);
  });

  it('second order: equals the analytic gradient and the finite difference', () => {
    const before = tf.memory().numTensors;
    const out = metaTeacherGradients({ learnerVars: [W], teacherVars: [V], kdLoss, quizLoss, pilotLr: eta, order: 'second' });
    const got = out.grads[V.name]!.dataSync();
    const analytic = analyticMetaGradient(W0, V0);
    const scale = Math.max(...analytic.map(Math.abs));
    expect(maxAbsDiff(got, analytic)).toBeLessThan(2e-4 * scale);
    expect(maxAbsDiff(got, finiteDifference(W0, V0))).toBeLessThan(2e-4 * scale);
    expect(out.quizLoss).toBeCloseTo(quizLoss64(pilot(W0, V0)), 5);
    tf.dispose(Object.values(out.grads));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("through core's forward KL (which stops the teacher's gradient outside the meta step) it is the same gradient", () => {
    const coreKd = (): tf.Scalar => forwardKl(tf.matMul(x, V), tf.matMul(x, W)) as tf.Scalar;
    // Outside the meta step the teacher gets no gradient from a divergence ...
    expect(tf.variableGrads(coreKd, [V]).grads[V.name]!.abs().max().dataSync()[0]).toBe(0);
    const analytic = analyticMetaGradient(W0, V0);
    const scale = Math.max(...analytic.map(Math.abs));
    for (const order of ['second', 'first'] as const) {
      const out = metaTeacherGradients({ learnerVars: [W], teacherVars: [V], kdLoss: coreKd, quizLoss, pilotLr: eta, order });
      expect(maxAbsDiff(out.grads[V.name]!.dataSync(), analytic)).toBeLessThan((order === 'second' ? 2e-4 : 2e-2) * scale);
      tf.dispose(Object.values(out.grads));
    }
  });

  it('first order (finite-difference Hessian-vector product) approximates it', () => {
    const out = metaTeacherGradients({ learnerVars: [W], teacherVars: [V], kdLoss, quizLoss, pilotLr: eta, order: 'first' });
    const got = out.grads[V.name]!.dataSync();
    const analytic = analyticMetaGradient(W0, V0);
    const scale = Math.max(...analytic.map(Math.abs));
    expect(maxAbsDiff(got, analytic)).toBeLessThan(2e-2 * scale);
    tf.dispose(Object.values(out.grads));
  });

  it.each(['second', 'first'] as const)('%s order leaves the learner bit-exactly at θ and the teacher untouched', (order) => {
    const w = W.dataSync().slice();
    const v = V.dataSync().slice();
    const out = metaTeacherGradients({ learnerVars: [W], teacherVars: [V], kdLoss, quizLoss, pilotLr: eta, order });
    tf.dispose(Object.values(out.grads));
    expect(W.dataSync()).toEqual(w);
    expect(V.dataSync()).toEqual(v);
  });

  it('restores θ when a loss throws', () => {
    const w = W.dataSync().slice();
    const failing = (): tf.Scalar => {
      throw new Error('quiz failed');
    };
    expect(() => metaTeacherGradients({ learnerVars: [W], teacherVars: [V], kdLoss, quizLoss: failing, pilotLr: eta, order: 'second' })).toThrow('quiz failed');
    expect(W.dataSync()).toEqual(w);
  });
});

describe('composite mode', () => {
  it('is on only inside runComposite, nested and after a throw', () => {
    expect(compositeOnly()).toBe(false);
    runComposite(() => {
      expect(compositeOnly()).toBe(true);
      runComposite(() => expect(compositeOnly()).toBe(true));
      expect(compositeOnly()).toBe(true);
    });
    expect(() =>
      runComposite(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(compositeOnly()).toBe(false);
  });
});

describe('backwardDifferentiable', () => {
  it('accepts a linear softmax model and refuses a gradient computed off the tape (a JS scatter, as a fused kernel would)', () => {
    const x = tf.tensor2d(X, [n, d]);
    const W = tf.variable(tf.tensor2d(W0, [d, c]), true, 'bd-test/W');
    const b = tf.variable(tf.zeros([c]), true, 'bd-test/b');
    const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % c), 'int32');
    const nll = (logits: tf.Tensor2D): tf.Scalar => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, c), tf.logSoftmax(logits)), -1))) as tf.Scalar;
    expect(backwardDifferentiable([W, b], () => nll(tf.add(tf.matMul(x, W), b) as tf.Tensor2D))).toBe(true);
    // The bias added by an op whose gradient is copied through JS: value right, off the tape.
    const offTape = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [h, bias] = args as [tf.Tensor2D, tf.Tensor1D];
      return {
        value: tf.add(h, bias),
        gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
          const g = Array.isArray(dy) ? dy[0]! : dy;
          return [tf.tensor(g.dataSync(), g.shape), tf.tensor(tf.sum(g, 0).dataSync(), [c])];
        },
      };
    }) as unknown as (h: tf.Tensor, bias: tf.Tensor) => tf.Tensor2D;
    expect(backwardDifferentiable([W, b], () => nll(offTape(tf.matMul(x, W), b)))).toBe(false);
    tf.dispose([x, W, b, labels]);
  });
});
