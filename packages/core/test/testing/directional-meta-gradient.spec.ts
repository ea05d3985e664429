import * as tf from '@tensorflow/tfjs';
import { forwardKl } from '../../src/divergence/forward-kl';
import { sequenceNll } from '../../src/divergence/sequence-nll';
import { Rng } from '../../src/runtime/rng';
import { directionalMetaGradient, useCpuBackend } from '../../src/testing';

useCpuBackend();

describe('directionalMetaGradient', () => {
  it.each(['second', 'first'] as const)('%s order: a linear teacher and learner agree with the finite difference; weights are restored; no tensor leaks', (order) => {
    const rng = Rng.fromSeed(4);
    const W = tf.variable(tf.tensor2d(rng.normals(6 * 3, 0.5), [6, 3]), true, `dmg-learner-${order}`);
    const V = tf.variable(tf.tensor2d(rng.normals(6 * 3, 0.5), [6, 3]), true, `dmg-teacher-${order}`);
    const x = tf.tensor2d(rng.normals(8 * 6), [8, 6]);
    const xq = tf.tensor2d(rng.normals(5 * 6), [5, 6]);
    const yq = tf.tensor1d([0, 1, 2, 0, 1], 'int32');
    const kdLoss = (): tf.Scalar => forwardKl(tf.matMul(x, V), tf.matMul(x, W), { temperature: 2 }) as tf.Scalar;
    const quizLoss = (): tf.Scalar => sequenceNll(tf.matMul(xq, W), yq) as tf.Scalar;
    const w0 = Array.from(W.dataSync());
    const v0 = Array.from(V.dataSync());
    const before = tf.memory().numTensors;
    const { predicted, fd } = directionalMetaGradient({ learnerVars: [W], teacherVars: [V], kdLoss, quizLoss, pilotLr: 0.5, order, rng });
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(fd)).toBeGreaterThan(1e-4);
    expect(Math.abs(predicted - fd)).toBeLessThan(0.05 * Math.abs(fd) + 1e-5);
    expect(Array.from(W.dataSync())).toEqual(w0);
    expect(Array.from(V.dataSync())).toEqual(v0);
    tf.dispose([W, V, x, xq, yq]);
  });
});
