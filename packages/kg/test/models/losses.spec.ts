import * as tf from '@tensorflow/tfjs';
import { sequenceNll } from '@kt/core';
import { useCpuBackend } from '@kt/core/testing';
import { l2Regularizer, marginRankingLoss, n3Regularizer, oneVsAllBce, oneVsAllCrossEntropy, selfAdversarialLoss, softplusLoss } from '../../src/losses';

useCpuBackend();

const sig = (x: number): number => 1 / (1 + Math.exp(-x));
const softplus = (x: number): number => Math.log(1 + Math.exp(x));

describe('KG losses', () => {
  const pos = (): tf.Tensor1D => tf.tensor1d([2, -1]);
  const neg = (): tf.Tensor2D => tf.tensor2d([[1, 3], [0, -2]]);

  it('margin ranking: mean of max(0, m − s⁺ + s⁻)', () => {
    // m = 1: [1−2+1, 1−2+3, 1+1+0, 1+1−2] → [0, 2, 2, 0]
    expect(marginRankingLoss(pos(), neg(), 1).dataSync()[0]).toBeCloseTo(1, 6);
  });

  it('self-adversarial: softmax(α s⁻) weights, halves averaged, no gradient through the weights', () => {
    const a = 0.5;
    const w0 = [Math.exp(a * 1), Math.exp(a * 3)].map((x) => x / (Math.exp(a * 1) + Math.exp(a * 3)));
    const w1 = [Math.exp(0), Math.exp(-2 * a)].map((x) => x / (1 + Math.exp(-2 * a)));
    const negPart = (-(w0[0]! * Math.log(sig(-1)) + w0[1]! * Math.log(sig(-3))) - (w1[0]! * Math.log(sig(0)) + w1[1]! * Math.log(sig(2)))) / 2;
    const posPart = (-Math.log(sig(2)) - Math.log(sig(-1))) / 2;
    expect(selfAdversarialLoss(pos(), neg(), a).dataSync()[0]).toBeCloseTo((posPart + negPart) / 2, 5);
    // d/ds⁻ with constant weights: ½ · ½ · w · σ(s⁻)
    const g = tf.grad((n: tf.Tensor) => selfAdversarialLoss(pos(), n as tf.Tensor2D, a))(neg()).arraySync() as number[][];
    expect(g[0]![1]).toBeCloseTo(0.25 * w0[1]! * sig(3), 5);
  });

  it('softplus = BCE on sampled negatives', () => {
    const expected = (softplus(-2) + softplus(1)) / 2 + (softplus(1) + softplus(3) + softplus(0) + softplus(-2)) / 4;
    expect(softplusLoss(pos(), neg()).dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('1-vs-all CE and BCE over every entity', () => {
    const logits = tf.tensor2d([[0, 1, 2], [1, 1, 1]]);
    const y = tf.tensor1d([2, 0], 'int32');
    const lse = Math.log(1 + Math.E + Math.E ** 2);
    expect(oneVsAllCrossEntropy(logits, y).dataSync()[0]).toBeCloseTo((lse - 2 + Math.log(3)) / 2, 5);
    expect(oneVsAllCrossEntropy(logits, y).dataSync()[0]).toBeCloseTo(sequenceNll(logits, y).dataSync()[0]!, 6);
    const bce = (softplus(0) + softplus(1) + softplus(-2) + softplus(-1) + softplus(1) + softplus(1)) / 6;
    expect(oneVsAllBce(logits, y).dataSync()[0]).toBeCloseTo(bce, 5);
  });

  it('N3 and L2 regularisers per triple', () => {
    const f = [tf.tensor2d([[1, -2]]), tf.tensor2d([[3, 0]])];
    expect(n3Regularizer(f, 0.1, 2).dataSync()[0]).toBeCloseTo((0.1 / 2) * (1 + 8 + 27), 5);
    expect(l2Regularizer(f, 0.1, 2).dataSync()[0]).toBeCloseTo((0.1 / 2) * (1 + 4 + 9), 5);
  });
});
