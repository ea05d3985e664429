import * as tf from '@tensorflow/tfjs';
import { TransferSchema } from '../../src/config/experiment-schema';
import { generalizedJsd, skewBackwardKl, skewForwardKl, forwardKl, totalVariation } from '../../src/divergence';
import { createTransferObjective } from '../../src/runtime/transfer-objective';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function objective(transfer: Record<string, unknown>): ReturnType<typeof createTransferObjective> {
  return createTransferObjective(TransferSchema.parse(transfer));
}

/** Value and gradients of combine(task, kd) w.r.t. both losses. */
function combined(alpha: number, task: number, kd: number): { value: number; dTask: number; dKd: number } {
  const o = objective({ alpha });
  const t = tf.scalar(task);
  const k = tf.scalar(kd);
  const value = o.combine(t, k);
  const [gt, gk] = tf.grads((a: tf.Tensor, b: tf.Tensor) => o.combine(a as tf.Scalar, b as tf.Scalar))([t, k]);
  const out = { value: value.dataSync()[0]!, dTask: gt!.dataSync()[0]!, dKd: gk!.dataSync()[0]! };
  tf.dispose([t, k, value, gt!, gk!]);
  return out;
}

describe('TransferObjective.combine: alpha weighs the task loss, 1 - alpha the divergence', () => {
  it.each([
    [0.3, 2, 10],
    [0.8, -1.5, 4],
    [0.5, 3, 7],
  ])('alpha %d: combine(task %d, kd %d) = alpha·task + (1 − alpha)·kd, gradients alpha and 1 − alpha', (alpha, task, kd) => {
    const { value, dTask, dKd } = combined(alpha, task, kd);
    expect(value).toBeCloseTo(alpha * task + (1 - alpha) * kd, 6);
    expect(dTask).toBeCloseTo(alpha, 6);
    expect(dKd).toBeCloseTo(1 - alpha, 6);
  });

  it('alpha 0 is the divergence alone, alpha 1 the task loss alone (the other gets no gradient)', () => {
    expect(combined(0, 2, 10)).toEqual({ value: 10, dTask: 0, dKd: 1 });
    expect(combined(1, 2, 10)).toEqual({ value: 2, dTask: 1, dKd: 0 });
  });

  it('with one loss only (no teacher, or no task loss) returns that loss unweighted; with none it throws', () => {
    const o = objective({ alpha: 0.3 });
    const task = tf.scalar(2);
    const kd = tf.scalar(10);
    expect(o.combine(task, undefined)).toBe(task);
    expect(o.combine(undefined, kd)).toBe(kd);
    expect(() => o.combine(undefined, undefined)).toThrow(/needs a task loss or a distillation loss/);
    tf.dispose([task, kd]);
  });

  it('leaks nothing', () => {
    const o = objective({ alpha: 0.4 });
    const task = tf.scalar(2);
    const kd = tf.scalar(10);
    const before = tf.memory().numTensors;
    o.combine(task, kd).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([task, kd]);
  });
});

describe('TransferObjective.distill: the divergence with its own parameters', () => {
  const teacher = tf.tensor2d([
    [1, 2, -1, 0.5],
    [0, -2, 3, 1],
  ]);
  const learner = tf.tensor2d([
    [0.5, -1, 2, 0],
    [1, 1, -0.5, 2],
  ]);
  const mask = tf.tensor1d([1, 0]);
  afterAll(() => tf.dispose([teacher, learner, mask]));

  const value = (t: tf.Tensor): number => {
    const x = t.dataSync()[0]!;
    t.dispose();
    return x;
  };

  it.each([
    [{ divergence: 'jsd', beta: 0.2, temperature: 2 }, () => generalizedJsd(teacher, learner, { beta: 0.2, temperature: 2, mask })],
    [{ divergence: 'jsd' }, () => generalizedJsd(teacher, learner, { beta: 0.5, mask })],
    [{ divergence: 'skew-forward', skew: 0.4 }, () => skewForwardKl(teacher, learner, { skew: 0.4, mask })],
    [{ divergence: 'skew-backward', skew: 0.3 }, () => skewBackwardKl(teacher, learner, { skew: 0.3, mask })],
    [{ divergence: 'forward', temperature: 3 }, () => forwardKl(teacher, learner, { temperature: 3, mask })],
    [{ divergence: 'tvd' }, () => totalVariation(teacher, learner, { mask })],
  ] as const)('%j', (transfer, expected) => {
    const o = objective(transfer);
    expect(value(o.distill(teacher, learner, mask))).toBeCloseTo(value(expected()), 6);
  });

  it('beta and skew reach the divergence (a different value gives a different loss)', () => {
    expect(value(objective({ divergence: 'jsd', beta: 0.2 }).distill(teacher, learner))).not.toBeCloseTo(
      value(objective({ divergence: 'jsd', beta: 0.8 }).distill(teacher, learner)),
      3,
    );
    expect(value(objective({ divergence: 'skew-forward', skew: 0.1 }).distill(teacher, learner))).not.toBeCloseTo(
      value(objective({ divergence: 'skew-forward', skew: 0.6 }).distill(teacher, learner)),
      3,
    );
  });

  it('isOnPolicy(u) is u < lambda', () => {
    const o = objective({ lambda: 0.25 });
    expect([0, 0.24, 0.25, 0.9].map((u) => o.isOnPolicy(u))).toEqual([true, true, false, false]);
    expect(objective({}).isOnPolicy(0)).toBe(false);
  });
});
