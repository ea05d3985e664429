import * as tf from '@tensorflow/tfjs';
import { reinforceBackwardKl, sequenceNll, tokenLogProbs, type ReinforceBaseline } from '../../src/divergence';
import { expectAllClose } from './close-to';
import { logSoftmax64 } from './reference-divergences';
import { Rng } from '../../src/runtime/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const B = 3;
const T = 4;
const V = 5;

function randomTokens(rng: Rng, n: number, v: number): number[] {
  return Array.from({ length: n }, () => Math.floor(rng.next() * v));
}

describe('tokenLogProbs', () => {
  const rng = Rng.fromSeed(11);

  it('equals float64 log-softmax gathered at the tokens, with gradient onehot − softmax', () => {
    const logitsData = rng.normals(B * T * V, 3);
    const tokensData = randomTokens(rng, B * T, V);
    const logits = tf.tensor3d(logitsData, [B, T, V]);
    const tokens = tf.tensor2d(tokensData, [B, T], 'int32');
    const out = tokenLogProbs(logits, tokens);
    expect(out.shape).toEqual([B, T]);
    const expected: number[] = [];
    const expectedGrad: number[] = [];
    const weights = rng.normals(B * T);
    for (let p = 0; p < B * T; p++) {
      const lsm = logSoftmax64(logitsData.slice(p * V, (p + 1) * V));
      expected.push(lsm[tokensData[p]]);
      lsm.forEach((l, v) => expectedGrad.push(weights[p] * ((v === tokensData[p] ? 1 : 0) - Math.exp(l))));
    }
    expectAllClose(out.dataSync(), expected, 1e-5, 1e-5, 'tokenLogProbs');
    const w = tf.tensor2d(weights, [B, T]);
    const grad = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(tokenLogProbs(l, tokens), w)))(logits);
    expectAllClose(grad.dataSync(), expectedGrad, 1e-6, 1e-5, 'tokenLogProbs gradient');
    tf.dispose([logits, tokens, out, w, grad]);
  });

  it('is finite for logits of magnitude 1e4 and leaks nothing', () => {
    const logits = tf.tensor3d(rng.normals(B * T * V, 1e4), [B, T, V]);
    const tokens = tf.tensor2d(randomTokens(rng, B * T, V), [B, T], 'int32');
    const before = tf.memory().numTensors;
    const out = tokenLogProbs(logits, tokens);
    const grad = tf.grad((l: tf.Tensor) => tf.sum(tokenLogProbs(l, tokens)))(logits);
    expect([...out.dataSync(), ...grad.dataSync()].every(Number.isFinite)).toBe(true);
    tf.dispose([out, grad]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, tokens]);
  });

  it('rejects float tokens and mismatched shapes', () => {
    const logits = tf.zeros([B, T, V]);
    expect(() => tokenLogProbs(logits, tf.zeros([B, T]))).toThrow(/int32/);
    expect(() => tokenLogProbs(logits, tf.zeros([B, T + 1], 'int32'))).toThrow(/shape/);
  });
});

describe('sequenceNll', () => {
  const rng = Rng.fromSeed(12);
  const logitsData = rng.normals(B * T * V, 2);
  const targetsData = randomTokens(rng, B * T, V);
  const maskData = [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0];

  /** float64 per-token loss and its gradient w.r.t. the logits (softmax − smoothed target). */
  function reference(eps: number): { perToken: number[]; grad: number[][] } {
    const perToken: number[] = [];
    const grad: number[][] = [];
    for (let p = 0; p < B * T; p++) {
      const lsm = logSoftmax64(logitsData.slice(p * V, (p + 1) * V));
      const target = lsm.map((_, v) => (1 - eps) * (v === targetsData[p] ? 1 : 0) + eps / V);
      perToken.push(-lsm.reduce((acc, l, v) => acc + target[v] * l, 0));
      grad.push(lsm.map((l, v) => Math.exp(l) - target[v]));
    }
    return { perToken, grad };
  }

  it.each([0, 0.1])('label smoothing %d: every reduction matches a float64 reference, and the gradient', (eps) => {
    const logits = tf.tensor3d(logitsData, [B, T, V]);
    const targets = tf.tensor2d(targetsData, [B, T], 'int32');
    const mask = tf.tensor2d(maskData, [B, T]);
    const { perToken, grad } = reference(eps);
    const masked = perToken.map((x, p) => x * maskData[p]);
    const sum = masked.reduce((a, b) => a + b, 0);
    const valid = maskData.reduce((a, b) => a + b, 0);
    const expected = { none: masked, sum: [sum], mean: [sum / valid], batchmean: [sum / B] };
    for (const reduction of ['none', 'sum', 'mean', 'batchmean'] as const) {
      const out = sequenceNll(logits, targets, mask, { labelSmoothing: eps, reduction });
      expectAllClose(out.dataSync(), expected[reduction], 1e-5, 1e-5, `sequenceNll ${reduction} eps=${eps}`);
      out.dispose();
    }
    const g = tf.grad((l: tf.Tensor) => sequenceNll(l, targets, mask, { labelSmoothing: eps, reduction: 'batchmean' }))(
      logits,
    );
    const expectedGrad = grad.flatMap((row, p) => row.map((x) => (x * maskData[p]) / B));
    expectAllClose(g.dataSync(), expectedGrad, 1e-6, 1e-5, `sequenceNll gradient eps=${eps}`);
    // Without a mask every position counts; the default reduction is the per-token mean.
    const unmasked = sequenceNll(logits, targets, undefined, { labelSmoothing: eps });
    expect(unmasked.dataSync()[0]).toBeCloseTo(perToken.reduce((a, b) => a + b, 0) / (B * T), 5);
    tf.dispose([logits, targets, mask, g, unmasked]);
  });

  it('leaks nothing and rejects bad input', () => {
    const logits = tf.tensor3d(logitsData, [B, T, V]);
    const targets = tf.tensor2d(targetsData, [B, T], 'int32');
    const before = tf.memory().numTensors;
    const g = tf.grad((l: tf.Tensor) => sequenceNll(l, targets, undefined, { labelSmoothing: 0.2 }))(logits);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => sequenceNll(logits, targets, undefined, { labelSmoothing: 2 })).toThrow(/labelSmoothing/);
    expect(() => sequenceNll(logits, tf.zeros([B, T], 'float32'))).toThrow(/int32/);
    tf.dispose([logits, targets]);
  });
});

describe('reinforceBackwardKl', () => {
  const rng = Rng.fromSeed(13);
  const lpData = rng.normals(B * T, 1).map((x) => -Math.abs(x) - 0.1);
  const lqData = rng.normals(B * T, 1).map((x) => -Math.abs(x) - 0.1);
  const maskData = [1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0];

  /** float64 expected reward, loss value and d loss / d learnerLogProbs. */
  function expected(perToken: boolean, baseline: ReinforceBaseline): { reward: number[]; loss: number; grad: number[] } {
    const r = lpData.map((lp, k) => maskData[k] * (lqData[k] - lp));
    const reward = [0, 1, 2].map((i) => r.slice(i * T, (i + 1) * T).reduce((a, b) => a + b, 0));
    const credit = (i: number, t: number): number =>
      perToken ? r.slice(i * T + t, (i + 1) * T).reduce((a, b) => a + b, 0) : reward[i];
    const base = (i: number, t: number): number => {
      if (typeof baseline === 'number') return baseline;
      if (baseline === 'none') return 0;
      let s = 0;
      for (let j = 0; j < B; j++) if (j !== i) s += credit(j, t);
      return s / (B - 1);
    };
    const grad: number[] = [];
    for (let i = 0; i < B; i++) {
      for (let t = 0; t < T; t++) grad.push((-maskData[i * T + t] * (credit(i, t) - base(i, t))) / B);
    }
    return { reward, loss: -reward.reduce((a, b) => a + b, 0) / B, grad };
  }

  const configs: Array<[boolean, ReinforceBaseline]> = [
    [false, 'none'],
    [false, 'batch-mean'],
    [false, -1.5],
    [true, 'none'],
    [true, 'batch-mean'],
    [true, 0.7],
  ];

  it.each(configs)('perToken=%s baseline=%s: reward, loss value and gradient match the formula', (perToken, baseline) => {
    const lp = tf.tensor2d(lpData, [B, T]);
    const lq = tf.tensor2d(lqData, [B, T]);
    const mask = tf.tensor2d(maskData, [B, T], 'int32');
    const want = expected(perToken, baseline);
    const before = tf.memory().numTensors;
    const { loss, reward } = reinforceBackwardKl({ learnerLogProbs: lp, teacherLogProbs: lq, mask, perToken, baseline });
    expect(loss.shape).toEqual([]);
    expect(reward.shape).toEqual([B]);
    expectAllClose(reward.dataSync(), want.reward, 1e-6, 1e-6, 'reward');
    expectAllClose(loss.dataSync(), [want.loss], 1e-6, 1e-6, 'loss value = KL estimate');
    const [gp, gq] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
      reinforceBackwardKl({ learnerLogProbs: p, teacherLogProbs: q, mask, perToken, baseline }).loss,
    )([lp, lq]);
    expectAllClose(gp.dataSync(), want.grad, 1e-6, 1e-6, 'gradient w.r.t. learner log-probs');
    expect(Array.from(gq.dataSync()).every((x) => x === 0)).toBe(true);
    tf.dispose([loss, reward, gp, gq]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([lp, lq, mask]);
  });

  it("'batch-mean' with a single sequence uses no baseline; bad input is rejected", () => {
    const lp = tf.tensor2d([[-1, -2]]);
    const lq = tf.tensor2d([[-0.5, -3]]);
    const mask = tf.ones([1, 2]);
    const g = tf.grad((p: tf.Tensor) => reinforceBackwardKl({ learnerLogProbs: p, teacherLogProbs: lq, mask }).loss)(lp);
    // R = (−0.5 + 1) + (−3 + 2) = −0.5; d loss / d lp_t = −R = 0.5.
    expectAllClose(g.dataSync(), [0.5, 0.5], 1e-7, 0, 'single-sequence gradient');
    expect(() => reinforceBackwardKl({ learnerLogProbs: lp, teacherLogProbs: tf.zeros([1, 3]), mask })).toThrow(/must equal/);
    expect(() => reinforceBackwardKl({ learnerLogProbs: lp, teacherLogProbs: lq, mask: tf.ones([2, 1]) })).toThrow(/mask/);
    expect(() => reinforceBackwardKl({ learnerLogProbs: lp, teacherLogProbs: lq, mask, baseline: NaN })).toThrow(/baseline/);
    tf.dispose([lp, lq, mask, g]);
  });
});
