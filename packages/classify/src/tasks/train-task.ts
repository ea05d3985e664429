import { asLearner } from '@kt/core';
import { loadClassificationData, modelFor, supervisedRun } from '@kt/vision';
import { predictionsOf, writePredictions } from '../report/classify-report-contribution';
import { CLASSIFY_METRICS, classifyIssues, type ClassifyTask } from './classify-kit';

/** Plain supervised training of the learner (no teacher): the reference point for KD, and how teachers are trained. */
export const classifyTrainTask: ClassifyTask = {
  plugin: 'classify',
  name: 'train',
  description: 'train the learner on labels only (no teacher)',
  metrics: CLASSIFY_METRICS,
  validate: (cfg) => classifyIssues(cfg, { teacher: false, task: 'train' }),
  async create(ctx) {
    const cfg = ctx.config;
    const data = loadClassificationData(cfg.data);
    const model = modelFor(cfg.learner.model, data, cfg.train.seed, 'learner');
    return {
      ...supervisedRun(asLearner(model), data, cfg.train),
      // Per test example: label, predicted class, probabilities (kt report's confusion table).
      writeArtifacts: async (dir) => writePredictions(dir, predictionsOf(model, data.test)),
    };
  },
};
