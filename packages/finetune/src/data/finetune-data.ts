import * as crypto from 'crypto';
import { ConfigError, Rng } from '@kt/core';
import { exampleSize, loadClassificationData, selectExamples, type ClassificationData, type ClassificationSplit, type ImageDataConfig } from '@kt/vision';
import type { SourceDataConfig, TargetDataConfig } from '../config-schema';

/** Train / val / test of one task (source or target), labels relabelled 0..classes−1, and the hash of their content. */
export interface TaskData {
  readonly train: ClassificationSplit;
  readonly val: ClassificationSplit;
  readonly test: ClassificationSplit;
  /** Per-example shape, e.g. [28, 28, 1]. */
  readonly shape: readonly number[];
  /** The original class ids, in label order (label i is class `classes[i]` of the images). */
  readonly classes: readonly number[];
  /** sha256 (16 hex) of every split's features and labels: core's teacher-cache data key. */
  readonly contentHash: string;
}

const loaded = new Map<string, ClassificationData>();

/** The images a config names, parsed once per process (the bench runs hundreds of runs on the same images). */
function images(cfg: ImageDataConfig): ClassificationData {
  const key = JSON.stringify(cfg);
  let data = loaded.get(key);
  if (!data) {
    data = loadClassificationData(cfg);
    loaded.set(key, data);
  }
  return data;
}

/** Drops the per-process cache of loaded images. */
export function clearImageCache(): void {
  loaded.clear();
}

/** The class list of a config (default: every class of the images), checked against what the images hold. */
function classList(data: ClassificationData, classes: readonly number[] | undefined, at: string): number[] {
  const list = classes ? [...classes] : Array.from({ length: data.numClasses }, (_, i) => i);
  const bad = list.filter((c) => c >= data.numClasses);
  if (bad.length > 0) throw new ConfigError(`${at}: class ${bad.join(', ')} is not in the images (they have classes 0–${data.numClasses - 1})`);
  return list;
}

/** Indices of the examples of each listed class, in file order: `byClass[i]` holds class `classes[i]`. */
function indicesByClass(split: ClassificationSplit, classes: readonly number[]): number[][] {
  const slot = new Map(classes.map((c, i) => [c, i]));
  const byClass = classes.map((): number[] => []);
  for (let i = 0; i < split.n; i++) {
    const s = slot.get(split.y[i]!);
    if (s !== undefined) byClass[s]!.push(i);
  }
  return byClass;
}

/** The examples at `indices` with labels mapped to their position in `classes`. */
function relabelled(split: ClassificationSplit, indices: readonly number[], classes: readonly number[]): ClassificationSplit {
  const slot = new Map(classes.map((c, i) => [c, i]));
  const out = selectExamples(split, indices);
  for (let k = 0; k < out.n; k++) out.y[k] = slot.get(out.y[k]!)!;
  return { ...out, numClasses: classes.length };
}

/** Interleaves per-class index lists (class 0 #0, class 1 #0, …) so any prefix is roughly class balanced. */
function interleave(lists: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let j = 0; j < longest; j++) for (const l of lists) if (j < l.length) out.push(l[j]!);
  return out;
}

function contentHash(splits: readonly ClassificationSplit[], shape: readonly number[], classes: readonly number[]): string {
  const hash = crypto.createHash('sha256').update(JSON.stringify({ shape, classes }));
  for (const split of splits) hash.update(`|${split.n}|`).update(split.x).update(split.y);
  return hash.digest('hex').slice(0, 16);
}

/** The source task: the images' own train / val / test splits, restricted to `classes`. */
export function loadSourceData(cfg: SourceDataConfig): TaskData {
  const data = images(cfg.images);
  const classes = classList(data, cfg.classes, 'data.source.classes');
  const pick = (split: ClassificationSplit): ClassificationSplit => relabelled(split, interleave(indicesByClass(split, classes)), classes);
  const train = pick(data.train);
  const val = pick(data.val);
  const test = pick(data.test);
  if (train.n === 0) throw new ConfigError(`data.source: no training images of classes ${classes.join(', ')}`);
  return { train, val, test, shape: data.shape, classes, contentHash: contentHash([train, val, test], data.shape, classes) };
}

/**
 * The target task: per class, a seeded shuffle of the images' training examples of that class; the first
 * `valPerClass` form the validation split, the next `labelsPerClass` (or all the rest) the labelled training set.
 * The test split is the images' test split of those classes (the first `testPerClass` of each, when given).
 */
export function loadTargetData(cfg: TargetDataConfig): TaskData {
  const data = images(cfg.images);
  const classes = classList(data, cfg.classes, 'data.target.classes');
  const pool = indicesByClass(data.train, classes);
  const val: number[][] = [];
  const train: number[][] = [];
  pool.forEach((indices, i) => {
    const needed = cfg.valPerClass + (cfg.labelsPerClass === 'all' ? 1 : cfg.labelsPerClass);
    if (indices.length < needed) {
      throw new ConfigError(
        `data.target: class ${classes[i]} has ${indices.length} training images, fewer than valPerClass ${cfg.valPerClass} + labelsPerClass ${cfg.labelsPerClass === 'all' ? '(at least 1)' : cfg.labelsPerClass}`,
      );
    }
    const order = Rng.derive(cfg.sampleSeed, 0x7a59, classes[i]!).permutation(indices.length).map((k) => indices[k]!);
    val.push(order.slice(0, cfg.valPerClass));
    train.push(cfg.labelsPerClass === 'all' ? order.slice(cfg.valPerClass) : order.slice(cfg.valPerClass, cfg.valPerClass + cfg.labelsPerClass));
  });
  const test = indicesByClass(data.test, classes).map((l) => (cfg.testPerClass === undefined ? l : l.slice(0, cfg.testPerClass)));
  const splits = {
    train: relabelled(data.train, interleave(train), classes),
    val: relabelled(data.train, interleave(val), classes),
    test: relabelled(data.test, interleave(test), classes),
  };
  if (splits.test.n === 0) throw new ConfigError(`data.target: no test images of classes ${classes.join(', ')}`);
  return { ...splits, shape: data.shape, classes, contentHash: contentHash([splits.train, splits.val, splits.test], data.shape, classes) };
}

/** Features per example. */
export function featuresOf(data: TaskData): number {
  return exampleSize(data.shape);
}
