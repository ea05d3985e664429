import * as tf from '@tensorflow/tfjs';
import { backwardDifferentiable, forwardKl, Rng, sequenceNll } from '@kt/core';
import { directionalMetaGradient } from '@kt/core/testing';
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
  const { predicted, fd } = directionalMetaGradient({ learnerVars: lv, teacherVars: tv, kdLoss, quizLoss, pilotLr: eta, order, rng: Rng.fromSeed(9) });
  tf.dispose([src, tgtIn, tgtOut, quizSrc, quizIn, quizOut]);
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

