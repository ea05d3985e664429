import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { forwardKl, latestCheckpoint, loadTensors, Rng, sequenceNll, validateExperiment } from '@kt/core';
import { directionalMetaGradient, pluginHarness, useBackend } from '@kt/core/testing';
import { classifyPlugin } from '../../src';
import { createCnn, createMlp, type ClassifierModel } from '@kt/vision';

const h = pluginHarness(classifyPlugin, '@kt/classify');
useBackend('wasm');

/**
 * The teacher gradient through the classify models, checked along a random direction u of the teacher's
 * weights against a central finite difference of φ ↦ L_q(θ'(φ)) (θ' = the pilot SGD step), computed by
 * assigning φ ± h·u. The CNN needs core's gradients for Conv2DBackpropFilter and MaxPoolGrad.
 */
describe.each([
  ['mlp', (seed: number, name: string): ClassifierModel => createMlp({ inputSize: 64, hidden: [12], numClasses: 5, seed, name })],
  ['cnn', (seed: number, name: string): ClassifierModel => createCnn({ inputShape: [8, 8, 1], channels: [3], dense: 8, numClasses: 5, seed, name })],
])('MetaDistil teacher gradient through the %s', (_kind, make) => {
  it.each(['second', 'first'] as const)('%s order matches a finite difference of the quiz loss after the pilot step', (order) => {
    const rng = Rng.fromSeed(5);
    const learner = make(1, 'learner');
    const teacher = make(2, 'teacher');
    const x = tf.tensor2d(rng.normals(10 * 64), [10, 64]);
    const xq = tf.tensor2d(rng.normals(6 * 64), [6, 64]);
    const yq = tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32');
    const eta = 0.5;
    const kdLoss = (): tf.Scalar => forwardKl(teacher.forward(x, false), learner.forward(x, false), { temperature: 2 }) as tf.Scalar;
    const quizLoss = (): tf.Scalar => sequenceNll(learner.forward(xq, false), yq) as tf.Scalar;
    const { predicted, fd } = directionalMetaGradient({
      learnerVars: learner.trainableVariables(),
      teacherVars: teacher.trainableVariables(),
      kdLoss,
      quizLoss,
      pilotLr: eta,
      order,
      rng,
    });
    expect(Math.abs(fd)).toBeGreaterThan(1e-4);
    expect(Math.abs(predicted - fd)).toBeLessThan(0.05 * Math.abs(fd) + 1e-5);
    tf.dispose([x, xq, yq]);
    learner.dispose();
    teacher.dispose();
  });
});

describe('classify kd with teacherUpdate', () => {
  const raw = (strategy: string, extra: string[] = []): Record<string, unknown> =>
    h.raw('mnist-metadistil.yaml', [
      'data.perDigit=30',
      'teacher.model.hidden=[48]',
      'teacher.train.epochs=5',
      'train.epochs=2',
      'train.batchSize=32',
      'teacherUpdate.lr=0.001',
      `teacherUpdate.strategy=${strategy}`,
      ...extra,
    ]);

  it.each(['metadistil', 'metadistil-first-order'])('%s: the teacher learns from a quiz split, scored before and after; the learner beats chance', async (strategy) => {
    const config = h.config(raw(strategy));
    const before = tf.memory().numTensors;
    const { runDir, summary } = await h.run(config, { outDir: h.tmp('kt-classify-meta-') });
    expect(summary.status).toBe('completed');
    expect(summary.test!['accuracy']).toBeGreaterThan(0.4);
    expect(tf.memory().numTensors).toBe(before);
    const teacherFile = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'teacher.json'), 'utf8'));
    expect(teacherFile.test.accuracy).toBeGreaterThan(0.3);
    expect(teacherFile.after.test.accuracy).toBeGreaterThan(0);
    expect(teacherFile.after.test.accuracy).not.toBe(teacherFile.test.accuracy);
    const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => typeof l.quiz_loss === 'number')).toBe(true);
    const ckpt = latestCheckpoint(path.join(runDir, 'checkpoints'))!;
    expect(fs.existsSync(path.join(ckpt, 'teacher-optimizer.json'))).toBe(true);
    const moved = loadTensors(ckpt, 'teacher');
    expect(moved.size).toBeGreaterThan(0);
    for (const t of moved.values()) t.dispose();
  });

  it('kt validate: metadistil with alpha = 1 (no teacher) is an issue at teacherUpdate.strategy', () => {
    const config = h.config(raw('metadistil', ['transfer.alpha=1']));
    expect(() => validateExperiment(config, h.container)).toThrow(/teacherUpdate\.strategy/);
  });

  it('kt validate: task train has no teacher to update; the issue names the field and task kd', () => {
    const config = h.config({ ...raw('metadistil-first-order'), task: 'train' });
    expect(() => validateExperiment(config, h.container)).toThrow(/teacherUpdate\.strategy: task train .*use task kd/);
    const plain = h.config({ ...raw('metadistil'), task: 'train', teacherUpdate: undefined });
    expect(() => validateExperiment(plain, h.container)).not.toThrow();
  });

  it('the shipped fashion-metadistil.yaml (ResNet teacher) and mnist-metadistil.yaml resolve to second order', () => {
    for (const name of ['fashion-metadistil', 'mnist-metadistil']) {
      const config = h.config(`${name}.yaml`) as unknown as { teacherUpdate?: { strategy: string }; teacher: { model: { kind: string } } };
      expect(config.teacherUpdate?.strategy).toBe('metadistil');
      expect(config.teacher.model.kind).toBe(name === 'fashion-metadistil' ? 'resnet' : 'mlp');
    }
  });
});
