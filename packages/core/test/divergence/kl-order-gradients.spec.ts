/**
 * The seed paper's claim made executable, on a space small enough to enumerate: all 27 sequences of
 * length 3 over 3 tokens. Learner p_θ: autoregressive, p_θ(y_t | y_<t) = softmax(θ[row(t, y_<t)]) with
 * θ ∈ R^{7×3} (row 0 for t = 0, rows 1..3 for t = 1 given y_0, rows 4..6 for t = 2 given y_1).
 * Teacher q: a fixed autoregressive distribution conditioned on the full prefix (so p_θ cannot equal q).
 *
 * (a) Backward KL(p_θ‖q): the on-policy Monte-Carlo estimate — sample y ~ p_θ, apply
 *     `reinforceBackwardKl`, take tf.grad — matches the exact autodiff gradient of the enumerated
 *     KL(p_θ‖q) within 3 standard errors per component.
 * (b) Forward KL(q‖p_θ): its exact gradient equals the q-weighted NLL gradient (enumeration), and the
 *     NLL gradient on teacher samples (`sequenceNll`) matches it within 3 standard errors.
 * Standard errors come from K = 40 independent batches of 200 samples: SE = sd(batch gradients) / √K.
 */
import * as tf from '@tensorflow/tfjs';
import { reinforceBackwardKl, sequenceNll, tokenLogProbs, type ReinforceBaseline } from '../../src/divergence';
import { expectAllClose } from './close-to';
import { logSoftmax64 } from './reference-divergences';
import { Rng } from '../../src/runtime/rng';

const V = 3;
const L = 3;
const ROWS = 7;
const BATCHES = 40;
const CONTROL_BATCHES = 12;
const BATCH_SIZE = 200;

const rng = Rng.fromSeed(20240607);
const thetaData = rng.normals(ROWS * V, 1);
const teacherTables = {
  first: rng.normals(V, 1.5),
  second: Array.from({ length: V }, () => rng.normals(V, 1.5)),
  third: Array.from({ length: V * V }, () => rng.normals(V, 1.5)),
};

function learnerRow(t: number, prefix: readonly number[]): number {
  return t === 0 ? 0 : t === 1 ? 1 + prefix[0] : 4 + prefix[1];
}

function learnerLogProbs64(t: number, prefix: readonly number[]): number[] {
  const r = learnerRow(t, prefix);
  return logSoftmax64(thetaData.slice(r * V, (r + 1) * V));
}

function teacherLogProbs64(t: number, prefix: readonly number[]): number[] {
  const logits =
    t === 0 ? teacherTables.first : t === 1 ? teacherTables.second[prefix[0]] : teacherTables.third[prefix[0] * V + prefix[1]];
  return logSoftmax64(logits);
}

function sample(n: number, logProbs: (t: number, prefix: readonly number[]) => number[], r: Rng): number[][] {
  return Array.from({ length: n }, () => {
    const y: number[] = [];
    for (let t = 0; t < L; t++) y.push(r.categorical(logProbs(t, y).map(Math.exp)));
    return y;
  });
}

/**
 * Tensors describing a batch of sequences: tokens [N, L], one-hot learner θ-rows [N·L, ROWS],
 * teacher log q [N, L].
 */
interface SequenceBatch {
  size: number;
  tokens: tf.Tensor2D;
  rows: tf.Tensor2D;
  teacherLogProbs: tf.Tensor2D;
  dispose(): void;
}

function batchOf(seqs: number[][]): SequenceBatch {
  const tokens = tf.tensor2d(seqs, [seqs.length, L], 'int32');
  const rowData = seqs.flatMap((y) =>
    y.flatMap((_, t) => Array.from({ length: ROWS }, (__, r) => (r === learnerRow(t, y) ? 1 : 0))),
  );
  const rows = tf.tensor2d(rowData, [seqs.length * L, ROWS]);
  const teacherLogProbs = tf.tensor2d(seqs.map((y) => y.map((tok, t) => teacherLogProbs64(t, y.slice(0, t))[tok])));
  return { size: seqs.length, tokens, rows, teacherLogProbs, dispose: () => tf.dispose([tokens, rows, teacherLogProbs]) };
}

/**
 * Learner logits of each position of each sequence, [N, L, V], differentiable w.r.t. θ (a one-hot
 * product rather than tf.gather, whose gradient is slow on the cpu backend).
 */
function learnerLogits(theta: tf.Tensor, batch: SequenceBatch): tf.Tensor {
  return tf.reshape(tf.matMul(batch.rows, theta), [batch.size, L, V]);
}

const allSequences: number[][] = [];
for (let a = 0; a < V; a++) for (let b = 0; b < V; b++) for (let c = 0; c < V; c++) allSequences.push([a, b, c]);

interface McResult {
  mean: number[];
  se: number[];
}

/** Mean and standard error over K independent batches of a per-batch gradient. */
function monteCarlo(
  batchGradient: (batch: SequenceBatch) => tf.Tensor,
  draw: () => number[][],
  batches = BATCHES,
): McResult {
  const grads: number[][] = [];
  for (let k = 0; k < batches; k++) {
    const batch = batchOf(draw());
    const g = batchGradient(batch);
    grads.push(Array.from(g.dataSync()));
    g.dispose();
    batch.dispose();
  }
  const d = grads[0].length;
  const mean = Array.from({ length: d }, (_, j) => grads.reduce((acc, g) => acc + g[j], 0) / batches);
  const se = mean.map((m, j) => {
    const variance = grads.reduce((acc, g) => acc + (g[j] - m) ** 2, 0) / (batches - 1);
    return Math.sqrt(variance / batches);
  });
  return { mean, se };
}

/** Largest |estimate − exact| in units of standard error, over all components. */
function worstZ(mc: McResult, exact: ArrayLike<number>): number {
  return Math.max(...mc.mean.map((m, j) => Math.abs(m - exact[j]) / mc.se[j]));
}

let theta: tf.Tensor2D;
let all: SequenceBatch;
let exactBackward: Float32Array;
let exactForward: Float32Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  theta = tf.tensor2d(thetaData, [ROWS, V]);
  all = batchOf(allSequences);
  const logQ = tf.sum(all.teacherLogProbs, 1);
  // Exact KL(p_θ‖q) = Σ_y p_θ(y) (log p_θ(y) − log q(y)), differentiated by autodiff.
  const backward = tf.grad((th: tf.Tensor) => {
    const logP = tf.sum(tokenLogProbs(learnerLogits(th, all), all.tokens), 1);
    return tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)));
  })(theta);
  // Exact KL(q‖p_θ) = Σ_y q(y) (log q(y) − log p_θ(y)).
  const forward = tf.grad((th: tf.Tensor) => {
    const logP = tf.sum(tokenLogProbs(learnerLogits(th, all), all.tokens), 1);
    return tf.sum(tf.mul(tf.exp(logQ), tf.sub(logQ, logP)));
  })(theta);
  exactBackward = backward.dataSync() as Float32Array;
  exactForward = forward.dataSync() as Float32Array;
  tf.dispose([logQ, backward, forward]);
});

afterAll(() => {
  all.dispose();
  theta.dispose();
});

describe('the 27-sequence world', () => {
  it('p_θ and q are normalised distributions over the 27 sequences, and differ', () => {
    const logP = tf.tidy(() => tf.sum(tokenLogProbs(learnerLogits(theta, all), all.tokens), 1));
    const p = Array.from(logP.dataSync()).map(Math.exp);
    const q = allSequences.map((y) => Math.exp(y.reduce((acc, tok, t) => acc + teacherLogProbs64(t, y.slice(0, t))[tok], 0)));
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(q.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    const kl = p.reduce((acc, pi, i) => acc + pi * Math.log(pi / q[i]), 0);
    expect(kl).toBeGreaterThan(0.1);
    // The exact gradients are far from zero, so matching them is a real test.
    expect(Math.max(...Array.from(exactBackward).map(Math.abs))).toBeGreaterThan(0.05);
    expect(Math.max(...Array.from(exactForward).map(Math.abs))).toBeGreaterThan(0.05);
    logP.dispose();
  });
});

describe('(a) backward KL: on-policy REINFORCE = exact gradient of KL(p_θ‖q)', () => {
  const configs: Array<[boolean, ReinforceBaseline]> = [
    [false, 'none'],
    [false, 'batch-mean'],
    [true, 'batch-mean'],
  ];

  it.each(configs)('perToken=%s baseline=%s: within 3 SE per component', (perToken, baseline) => {
    const sampler = Rng.fromSeed(perToken ? 17 : 29);
    const before = tf.memory().numTensors;
    const mc = monteCarlo(
      (batch) =>
        tf.grad((th: tf.Tensor) => {
          const learnerLogProbs = tokenLogProbs(learnerLogits(th, batch), batch.tokens);
          const mask = tf.onesLike(learnerLogProbs);
          return reinforceBackwardKl({
            learnerLogProbs,
            teacherLogProbs: batch.teacherLogProbs,
            mask,
            perToken,
            baseline,
          }).loss;
        })(theta),
      () => sample(BATCH_SIZE, learnerLogProbs64, sampler),
    );
    expect(tf.memory().numTensors).toBe(before);
    const z = worstZ(mc, exactBackward);
    expect(z).toBeLessThanOrEqual(3);
    // The estimate is precise enough for the comparison to have power.
    expect(Math.max(...mc.se)).toBeLessThan(0.2 * Math.max(...Array.from(exactBackward).map(Math.abs)));
  });

  it('control: differentiating the sampled KL estimate through log p_θ alone (no REINFORCE) does NOT match', () => {
    const sampler = Rng.fromSeed(31);
    // E_{y~p_θ}[∇ log p_θ(y)] = 0, so this "pathwise" estimate misses the score-function term entirely.
    const mc = monteCarlo(
      (batch) =>
        tf.grad((th: tf.Tensor) => {
          const logP = tf.sum(tokenLogProbs(learnerLogits(th, batch), batch.tokens), 1);
          return tf.mean(tf.sub(logP, tf.sum(batch.teacherLogProbs, 1)));
        })(theta),
      () => sample(BATCH_SIZE, learnerLogProbs64, sampler),
      CONTROL_BATCHES,
    );
    expect(worstZ(mc, exactBackward)).toBeGreaterThan(6);
  });
});

describe('(b) forward KL: gradient = expected supervised NLL gradient on teacher samples', () => {
  it('exactly, by enumeration with weights q(y)', () => {
    const q = tf.exp(tf.sum(all.teacherLogProbs, 1));
    const g = tf.grad((th: tf.Tensor) => {
      const nll = sequenceNll(learnerLogits(th, all), all.tokens, undefined, { reduction: 'none' });
      return tf.sum(tf.mul(q, tf.sum(nll, 1)));
    })(theta);
    expectAllClose(g.dataSync(), exactForward, 1e-6, 1e-5, 'q-weighted NLL gradient vs ∇KL(q‖p_θ)');
    tf.dispose([q, g]);
  });

  it('by sampling from the teacher: within 3 SE per component', () => {
    const sampler = Rng.fromSeed(41);
    const mc = monteCarlo(
      (batch) =>
        tf.grad((th: tf.Tensor) =>
          sequenceNll(learnerLogits(th, batch), batch.tokens, undefined, { reduction: 'batchmean' }),
        )(theta),
      () => sample(BATCH_SIZE, teacherLogProbs64, sampler),
    );
    expect(worstZ(mc, exactForward)).toBeLessThanOrEqual(3);
    expect(Math.max(...mc.se)).toBeLessThan(0.2 * Math.max(...Array.from(exactForward).map(Math.abs)));
  });

  it('control: NLL on the LEARNER’s own samples (the wrong order) does not match ∇KL(q‖p_θ)', () => {
    const sampler = Rng.fromSeed(43);
    const mc = monteCarlo(
      (batch) =>
        tf.grad((th: tf.Tensor) =>
          sequenceNll(learnerLogits(th, batch), batch.tokens, undefined, { reduction: 'batchmean' }),
        )(theta),
      () => sample(BATCH_SIZE, learnerLogProbs64, sampler),
      CONTROL_BATCHES,
    );
    expect(worstZ(mc, exactForward)).toBeGreaterThan(6);
  });
});
