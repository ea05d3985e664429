import * as tf from '@tensorflow/tfjs';
import { backwardDifferentiable, forwardKl, metaTeacherGradients, Rng, sequenceNll } from '@kt/core';
import { Transformer } from '../../src/models';
import { int2d, randomIds, tinyConfig, uniformSource, useCpu } from '../models/helpers';

beforeAll(async () => {
  await useCpu();
});

/**
 * MetaDistil's teacher gradient through the Transformer, along a unit direction u of the teacher's weights,
 * against a central finite difference of φ ↦ L_q(θ'(φ)) with θ' the pilot SGD step (assigned, then restored).
 */
function directionalCheck(order: 'second' | 'first'): { predicted: number; fd: number; differentiable: boolean } {
  const rng = uniformSource(3);
  const learner = new Transformer({ ...tinyConfig, encoderLayers: 1, decoderLayers: 1 }, 1);
  const teacher = new Transformer(tinyConfig, 2);
  const src = int2d(randomIds(rng, 3, 5, tinyConfig.vocabSize));
  const tgtIn = int2d(randomIds(rng, 3, 4, tinyConfig.vocabSize).map((r) => [1, ...r.slice(1)]));
  const tgtOut = int2d(randomIds(rng, 3, 4, tinyConfig.vocabSize));
  const eta = 0.5;
  const kdLoss = (): tf.Scalar => forwardKl(teacher.forward(src, tgtIn), learner.forward(src, tgtIn)) as tf.Scalar;
  const quizSrc = int2d(randomIds(rng, 2, 6, tinyConfig.vocabSize));
  const quizIn = int2d(randomIds(rng, 2, 3, tinyConfig.vocabSize).map((r) => [1, ...r.slice(1)]));
  const quizOut = int2d(randomIds(rng, 2, 3, tinyConfig.vocabSize));
  const quizLoss = (): tf.Scalar => sequenceNll(learner.forward(quizSrc, quizIn), quizOut) as tf.Scalar;
  const lv = learner.trainableVariables();
  const tv = teacher.trainableVariables();
  const differentiable = backwardDifferentiable(lv, kdLoss);
  const out = metaTeacherGradients({ learnerVars: lv, teacherVars: tv, kdLoss, quizLoss, pilotLr: eta, order });
  const r = Rng.fromSeed(9);
  const raw = tv.map((v) => r.normals(v.size));
  const norm = Math.sqrt(raw.flat().reduce((a, b) => a + b * b, 0));
  const u = tv.map((v, i) => tf.tensor(raw[i]!.map((x) => x / norm), v.shape));
  const predicted = tf.tidy(() => tf.addN(tv.map((v, i) => tf.sum(tf.mul(out.grads[v.name]!, u[i]!)))).dataSync()[0]!);
  const phi = tv.map((v) => tf.clone(v));
  const theta = lv.map((v) => tf.clone(v));
  const quizAfterPilot = (h: number): number => {
    tv.forEach((v, i) => v.assign(tf.tidy(() => tf.add(phi[i]!, tf.mul(u[i]!, h)))));
    const { value, grads } = tf.variableGrads(kdLoss, lv);
    lv.forEach((v) => v.assign(tf.tidy(() => tf.sub(v, tf.mul(grads[v.name]!, eta)))));
    tf.dispose([value, ...Object.values(grads)]);
    const q = tf.tidy(() => quizLoss().dataSync()[0]!);
    lv.forEach((v, i) => v.assign(theta[i]!));
    return q;
  };
  const h = 1e-3;
  const fd = (quizAfterPilot(h) - quizAfterPilot(-h)) / (2 * h);
  tf.dispose([...u, ...phi, ...theta, src, tgtIn, tgtOut, quizSrc, quizIn, quizOut, ...Object.values(out.grads)]);
  learner.dispose();
  teacher.dispose();
  return { predicted, fd, differentiable };
}

describe('MetaDistil teacher gradient through the Transformer', () => {
  const close = (predicted: number, fd: number): boolean => Math.abs(predicted - fd) < 0.05 * Math.abs(fd) + 1e-5;

  it('first order matches a finite difference of the quiz loss after the pilot step', () => {
    const { predicted, fd } = directionalCheck('first');
    expect(Math.abs(fd)).toBeGreaterThan(1e-4);
    expect(close(predicted, fd)).toBe(true);
  });

  // Core runs the Transformer's fused ops (and the embedding lookup as tf.gather) as composites inside the meta
  // step, so its check accepts the backward pass and double backprop is exact (core's second-order-ops spec
  // names the ops that need it).
  it('second order: core accepts the backward pass and the gradient matches a finite difference', () => {
    const { predicted, fd, differentiable } = directionalCheck('second');
    expect(differentiable).toBe(true);
    expect(Math.abs(fd)).toBeGreaterThan(1e-4);
    expect(close(predicted, fd)).toBe(true);
  });
});

