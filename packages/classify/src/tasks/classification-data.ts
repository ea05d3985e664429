import { ConfigError } from '@kt/core';
import type { ClassifyDataConfig } from '../config-schema';
import { DataError, loadCsvClassification, loadIdxDataset, loadMnistPackage, splitTrainValTest, type ClassificationSplit } from '@kt/vision';

export interface ClassificationData {
  train: ClassificationSplit;
  val: ClassificationSplit;
  test: ClassificationSplit;
  /** Per-example shape. */
  shape: number[];
  numClasses: number;
}

/** Loads the splits a config names; file problems become ConfigErrors (exit code 2) naming the file and line. */
export function loadClassificationData(cfg: ClassifyDataConfig): ClassificationData {
  try {
    if (cfg.source === 'idx') {
      const s = loadIdxDataset(cfg.dir, { trainLimit: cfg.trainLimit, testLimit: cfg.testLimit, valCount: cfg.valCount });
      return { ...s, shape: s.train.shape, numClasses: s.train.numClasses };
    }
    if (cfg.source === 'mnist') {
      const s = loadMnistPackage({ perDigit: cfg.perDigit });
      return { ...s, shape: s.train.shape, numClasses: s.train.numClasses };
    }
    const all = loadCsvClassification(cfg.path, { labelColumn: cfg.labelColumn, hasHeader: cfg.hasHeader, scale: cfg.scale, shape: cfg.shape });
    const s = splitTrainValTest(all, { valFraction: cfg.valFraction, testFraction: cfg.testFraction, seed: cfg.splitSeed, file: cfg.path });
    return { ...s, shape: all.shape, numClasses: all.numClasses };
  } catch (err) {
    if (err instanceof DataError) throw new ConfigError(err.message);
    throw err;
  }
}
