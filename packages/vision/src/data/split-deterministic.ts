import { Rng } from '@kt/core';
import { ClassificationSplit, selectExamples } from './classification-split';

/** Stream id of the per-class shuffles: `Rng.derive(seed, SPLIT_STREAM, class)`. */
const SPLIT_STREAM = 0x5b117;

/**
 * Stratified, seeded split of one data set into parts with the given fractions (each > 0, summing to 1).
 * Within each class the examples are shuffled with the seed and cut at round(count * cumulative fraction),
 * so every part gets each class in proportion (±1). Each part keeps the original example order.
 * Same input + fractions + seed → same parts. Pass an array to get an array, a record to get a record.
 */
export function splitDeterministic(split: ClassificationSplit, fractions: number[], seed: number): ClassificationSplit[];
export function splitDeterministic<K extends string>(
  split: ClassificationSplit,
  fractions: Record<K, number>,
  seed: number,
): Record<K, ClassificationSplit>;
export function splitDeterministic(
  split: ClassificationSplit,
  fractions: number[] | Record<string, number>,
  seed: number,
): ClassificationSplit[] | Record<string, ClassificationSplit> {
  const keys = Array.isArray(fractions) ? undefined : Object.keys(fractions);
  const values = Array.isArray(fractions) ? fractions : Object.values(fractions);
  if (values.length === 0) throw new RangeError('splitDeterministic: no fractions given');
  if (values.some((f) => !(f > 0))) throw new RangeError(`splitDeterministic: fractions must be > 0, got ${values.join(', ')}`);
  const total = values.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-6) throw new RangeError(`splitDeterministic: fractions must sum to 1, got ${total}`);

  const byClass: number[][] = Array.from({ length: split.numClasses }, () => []);
  for (let i = 0; i < split.n; i++) byClass[split.y[i]].push(i);
  const parts: number[][] = values.map(() => []);
  byClass.forEach((indices, c) => {
    Rng.derive(seed, SPLIT_STREAM, c).shuffle(indices);
    let cumulative = 0;
    let start = 0;
    values.forEach((f, p) => {
      cumulative += f;
      const end = p === values.length - 1 ? indices.length : Math.round(indices.length * cumulative);
      for (let k = start; k < end; k++) parts[p].push(indices[k]);
      start = end;
    });
  });
  const result = parts.map((indices) => selectExamples(split, indices.sort((a, b) => a - b)));
  if (keys === undefined) return result;
  return Object.fromEntries(keys.map((k, p) => [k, result[p]]));
}
