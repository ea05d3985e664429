import { ClassificationSplit } from './classification-split';
import { DataError } from './data-error';
import { splitDeterministic } from './split-deterministic';

export interface TrainValTestOptions {
  /** Fraction of the examples for validation, in (0, 1). */
  valFraction: number;
  /** Fraction of the examples for testing, in (0, 1); train gets the rest. */
  testFraction: number;
  /** Seed of the stratified shuffle. */
  seed: number;
  /** The data file, named in every error. */
  file: string;
}

export interface TrainValTest {
  train: ClassificationSplit;
  val: ClassificationSplit;
  test: ClassificationSplit;
}

/** The labels that occur in `split`, ascending. */
export function presentLabels(split: ClassificationSplit): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < split.n; i++) seen.add(split.y[i]!);
  return [...seen].sort((a, b) => a - b);
}

/**
 * Throws a DataError naming `file` unless `split` holds at least two distinct labels: a classifier
 * over one class learns nothing (and tfjs fails deep inside with "depth must be >=2").
 */
export function assertTwoClasses(split: ClassificationSplit, file: string, what = ''): void {
  const labels = presentLabels(split);
  if (labels.length >= 2) return;
  const found = labels.length === 0 ? 'no labelled rows' : `1 class (label ${labels[0]})`;
  throw new DataError(`${what}${found} — classification needs at least 2`, { file });
}

/**
 * The stratified train/val/test split of one data file (see splitDeterministic), checked up front so a
 * run never trains on nothing or reports an accuracy of NaN: the data must hold at least two classes,
 * every part must get at least one example, and train at least two classes. Each problem is a
 * DataError naming the file and what to change.
 */
export function splitTrainValTest(all: ClassificationSplit, options: TrainValTestOptions): TrainValTest {
  const { valFraction, testFraction, seed, file } = options;
  const trainFraction = 1 - valFraction - testFraction;
  if (!(valFraction > 0) || !(testFraction > 0) || !(trainFraction > 0)) {
    throw new DataError(
      `valFraction ${valFraction} and testFraction ${testFraction} leave no training fraction: each must be > 0 and their sum < 1`,
      { file },
    );
  }
  assertTwoClasses(all, file);
  const parts = splitDeterministic(all, { train: trainFraction, val: valFraction, test: testFraction }, seed);
  const fractionOf = { train: `train fraction ${round(trainFraction)}`, val: `valFraction ${valFraction}`, test: `testFraction ${testFraction}` };
  for (const name of ['train', 'val', 'test'] as const) {
    if (parts[name].n === 0) {
      const rows = `${all.n} ${all.n === 1 ? 'row gives' : 'rows give'}`;
      throw new DataError(`${rows} an empty ${name} split (${fractionOf[name]}): add rows or raise the fraction`, { file });
    }
  }
  assertTwoClasses(parts.train, file, `the train split (${parts.train.n} of ${all.n} rows) has `);
  return parts;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
