import { ConfigError } from '@kt/core';
import { smallestSingularValuesSquared } from '../linalg/smallest-singular-values';
import type { RegulariserDefinition } from './regulariser';

/**
 * Batch Spectral Shrinkage (Chen et al., NeurIPS 2019): Σ_{i=1..k} σ²_{−i}(F), the k smallest squared singular values
 * of the batch's `fc` feature matrix F [b, dense] (thuml's `BatchSpectralShrinkage`), through kt's own eigensolver.
 */
export const bssRegulariser: RegulariserDefinition<'bss'> = {
  name: 'bss',
  description: 'the k smallest squared singular values of the batch feature matrix',
  issues(cfg, config, at) {
    const issues = [];
    const batch = config.train.batchSize;
    if (cfg.k > batch) issues.push({ path: `${at}.k`, message: `k = ${cfg.k} is larger than the batch size (train.batchSize = ${batch}): a batch's feature matrix has at most ${batch} singular values` });
    if (cfg.k > config.model.dense) issues.push({ path: `${at}.k`, message: `k = ${cfg.k} is larger than the feature width (model.dense = ${config.model.dense})` });
    return issues;
  },
  create(cfg, setup) {
    const rows = Math.min(setup.config.train.batchSize, setup.data.train.n);
    if (cfg.k > rows) throw new ConfigError(`regularisers: bss: k = ${cfg.k} is larger than the batch (${rows} rows: only ${setup.data.train.n} labelled examples)`);
    return { name: 'bss', penalty: (step) => smallestSingularValuesSquared(step.learner.features, cfg.k), dispose: () => undefined };
  },
};
