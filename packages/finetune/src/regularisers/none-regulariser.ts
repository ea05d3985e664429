import * as tf from '@tensorflow/tfjs';
import type { RegulariserDefinition } from './regulariser';

/** Plain fine-tuning: the penalty is 0. */
export const noneRegulariser: RegulariserDefinition<'none'> = {
  name: 'none',
  description: 'plain fine-tuning (no penalty)',
  issues: () => [],
  create: () => ({ name: 'none', penalty: () => tf.scalar(0), dispose: () => undefined }),
};
