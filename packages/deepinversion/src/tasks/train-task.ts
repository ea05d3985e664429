import { asLearner } from '@kt/core';
import { CLASSIFIER_METRICS, loadClassificationData, modelFor, supervisedRun } from '@kt/vision';
import { deepInversionIssues, type DeepInversionTask } from './di-kit';

/** Supervised training of `learner.model` on the real labels: how teachers and verifiers are trained (and the reference student). */
export const deepInversionTrainTask: DeepInversionTask = {
  plugin: 'deepinversion',
  name: 'train',
  description: 'train learner.model on the real labels (how teachers and verifiers are provisioned)',
  metrics: CLASSIFIER_METRICS,
  validate: (cfg) => deepInversionIssues(cfg, { distill: false }),
  async create(ctx) {
    const cfg = ctx.config;
    const data = loadClassificationData(cfg.data);
    return supervisedRun(asLearner(modelFor(cfg.learner.model, data, cfg.train.seed, 'learner')), data, cfg.train);
  },
};
