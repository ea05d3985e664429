import { Rng } from './rng';

/** The training examples a run learns from and the quiz examples MetaDistil's teacher is scored on. */
export interface QuizSplit {
  /** Indices (ascending) of the examples that stay in the training data. */
  readonly train: Int32Array;
  /** Indices (ascending) of the held-out quiz examples. */
  readonly quiz: Int32Array;
}

/**
 * Carves a quiz split out of `n` training examples: round(fraction · n) of them (at least 1, at most
 * n − 1), drawn by a seeded permutation, so the split is the same in every run with the same seed and
 * never touches validation or test data. Throws RangeError when n < 2.
 */
export function carveQuizSplit(n: number, fraction: number, seed: number): QuizSplit {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`a quiz split needs at least 2 training examples, got ${n}`);
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`quiz fraction must be in (0, 1), got ${fraction}`);
  const size = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
  const order = Rng.derive(seed, 0x9012).permutation(n);
  const quiz = Int32Array.from(order.slice(0, size)).sort();
  const inQuiz = new Uint8Array(n);
  for (const i of quiz) inQuiz[i] = 1;
  const train = new Int32Array(n - size);
  let k = 0;
  for (let i = 0; i < n; i++) if (!inQuiz[i]) train[k++] = i;
  return { train, quiz };
}
