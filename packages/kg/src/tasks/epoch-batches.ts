import { Rng, type StepContext } from '@kt/core';

/**
 * The rows of batch `step` of epoch `epoch`: a seeded permutation per epoch (core Rng), so a resumed
 * run trains on the same batches. (The same helper exists in classify: it should move to core.)
 */
export class EpochBatches {
  private epoch = -1;
  private order: number[] = [];
  constructor(
    private readonly n: number,
    readonly batchSize: number,
    private readonly seed: number,
    private readonly stream = 0x6b6762,
  ) {}

  get count(): number {
    return Math.max(1, Math.ceil(this.n / this.batchSize));
  }

  at(step: Pick<StepContext, 'step' | 'epoch'>): Int32Array {
    if (step.epoch !== this.epoch) {
      this.order = Rng.derive(this.seed, this.stream, step.epoch).permutation(this.n);
      this.epoch = step.epoch;
    }
    const index = step.step % this.count;
    return Int32Array.from(this.order.slice(index * this.batchSize, Math.min(this.n, (index + 1) * this.batchSize)));
  }
}
