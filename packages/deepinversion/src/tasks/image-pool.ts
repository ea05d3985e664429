import * as tf from '@tensorflow/tfjs';

/** One round's images: pixels (NHWC, flat), target labels and the frozen teacher's logits on them. */
export interface PoolRound {
  x: Float32Array;
  y: Int32Array;
  teacherLogits: Float32Array;
  n: number;
}

/** The growing set of training images of data-free distillation: every round appends its images. */
export class ImagePool {
  private readonly roundsHeld: PoolRound[] = [];
  private x: Float32Array = new Float32Array(0);
  private y: Int32Array = new Int32Array(0);
  private logits: Float32Array = new Float32Array(0);

  constructor(
    readonly shape: readonly number[],
    readonly numClasses: number,
  ) {}

  get n(): number {
    return this.y.length;
  }

  get rounds(): number {
    return this.roundsHeld.length;
  }

  add(round: PoolRound): void {
    const d = this.shape.reduce((a, b) => a * b, 1);
    if (round.x.length !== round.n * d || round.y.length !== round.n || round.teacherLogits.length !== round.n * this.numClasses) {
      throw new RangeError(`ImagePool.add: a round of ${round.n} images has ${round.x.length} pixels, ${round.y.length} labels, ${round.teacherLogits.length} logits`);
    }
    this.roundsHeld.push(round);
    this.x = concat(this.x, round.x);
    this.y = Int32Array.from([...this.y, ...round.y]);
    this.logits = concat(this.logits, round.teacherLogits);
  }

  /** Images `idx` as [m, ...shape], their labels and the teacher's logits on them; the caller owns the tensors. */
  gather(idx: ArrayLike<number>): { x: tf.Tensor; y: tf.Tensor1D; teacherLogits: tf.Tensor2D } {
    const d = this.shape.reduce((a, b) => a * b, 1);
    const m = idx.length;
    const x = new Float32Array(m * d);
    const y = new Int32Array(m);
    const logits = new Float32Array(m * this.numClasses);
    for (let k = 0; k < m; k++) {
      const i = idx[k]!;
      x.set(this.x.subarray(i * d, (i + 1) * d), k * d);
      y[k] = this.y[i]!;
      logits.set(this.logits.subarray(i * this.numClasses, (i + 1) * this.numClasses), k * this.numClasses);
    }
    return { x: tf.tensor(x, [m, ...this.shape]), y: tf.tensor1d(y, 'int32'), teacherLogits: tf.tensor2d(logits, [m, this.numClasses]) };
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
