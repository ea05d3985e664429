import * as tf from '@tensorflow/tfjs';
import { registerNativeKernels, unregisterNativeKernels } from '../src';
import { describeNative, expectMatchesCpu } from './helpers';

const TRANSPOSES: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** Stored shapes of a and b for op(a) = [..., m, k], op(b) = [..., k, n]. */
function stored(outerA: number[], outerB: number[], m: number, k: number, n: number, ta: boolean, tb: boolean): [number[], number[]] {
  return [[...outerA, ...(ta ? [k, m] : [m, k])], [...outerB, ...(tb ? [n, k] : [k, n])]];
}

const CASES: Array<{ name: string; outerA: number[]; outerB: number[]; m: number; k: number; n: number }> = [
  { name: '2-D odd sizes', outerA: [], outerB: [], m: 7, k: 13, n: 5 },
  { name: '2-D threaded size', outerA: [], outerB: [], m: 201, k: 150, n: 99 },
  { name: 'batched equal', outerA: [3], outerB: [3], m: 17, k: 9, n: 33 },
  { name: 'broadcast a batch 1', outerA: [1], outerB: [4], m: 6, k: 20, n: 11 },
  { name: 'broadcast b rank 2', outerA: [2, 3], outerB: [], m: 5, k: 8, n: 19 },
  { name: 'rank 4 vs rank 3', outerA: [2, 3], outerB: [3], m: 4, k: 6, n: 7 },
  { name: 'many small (attention-like)', outerA: [8, 4], outerB: [8, 4], m: 16, k: 8, n: 16 },
];

for (const blas of ['system', 'portable'] as const) {
  describeNative(`native BatchMatMul / _FusedMatMul (${blas})`, () => {
    beforeAll(async () => {
      await tf.setBackend('wasm');
      const status = registerNativeKernels({ blas, threads: 2 });
      expect(status.kernels).toContain('BatchMatMul');
      expect(status.blas === 'portable').toBe(blas === 'portable' || status.blas === 'portable');
    });
    afterAll(() => unregisterNativeKernels());

    for (const c of CASES) {
      for (const [ta, tb] of TRANSPOSES) {
        it(`matMul ${c.name} tA=${ta} tB=${tb}: values${c.outerA.join(',') === c.outerB.join(',') ? ' and gradients' : ''} match cpu`, async () => {
          const [as, bs] = stored(c.outerA, c.outerB, c.m, c.k, c.n, ta, tb);
          await expectMatchesCpu([{ shape: as, seed: 1 }, { shape: bs, seed: 2 }], (a, b) => tf.matMul(a!, b!, ta, tb));
          // tfjs's own BatchMatMul gradient does not reduce broadcast batch
          // dimensions (it fails on cpu too), so gradients only for equal batches.
          if (c.outerA.join(',') !== c.outerB.join(',')) return;
          const before = tf.memory().numTensors;
          await expectMatchesCpu([{ shape: as, seed: 3 }, { shape: bs, seed: 4 }], (a, b) =>
            tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ta, tb).square().sum())([a!, b!]),
          );
          expect(tf.memory().numTensors).toBe(before);
        });
      }
    }

    it('general batch broadcasting [2,1] x [1,3] matches per-pair products', async () => {
      await tf.setBackend('wasm');
      const a = tf.randomUniform([2, 1, 3, 4], -1, 1, 'float32', 7);
      const b = tf.randomUniform([1, 3, 4, 5], -1, 1, 'float32', 8);
      const out = tf.matMul(a, b);
      expect(out.shape).toEqual([2, 3, 3, 5]);
      const got = out.arraySync() as number[][][][];
      const av = a.arraySync() as number[][][][];
      const bv = b.arraySync() as number[][][][];
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          for (let r = 0; r < 3; r++) {
            for (let c = 0; c < 5; c++) {
              let s = 0;
              for (let k = 0; k < 4; k++) s += av[i]![0]![r]![k]! * bv[0]![j]![k]![c]!;
              expect(Math.abs(got[i]![j]![r]![c]! - s)).toBeLessThan(1e-5);
            }
          }
        }
      }
      tf.dispose([a, b, out]);
    });

    const ACTS: Array<tf.fused.Activation> = ['linear', 'relu', 'relu6', 'elu', 'prelu', 'leakyrelu', 'sigmoid'];
    for (const activation of ACTS) {
      for (const [ta, tb] of TRANSPOSES) {
        it(`fused.matMul ${activation} tA=${ta} tB=${tb} with bias matches cpu`, async () => {
          const [as, bs] = stored([2], [2], 9, 14, 12, ta, tb);
          await expectMatchesCpu(
            [
              { shape: as, seed: 5 },
              { shape: bs, seed: 6 },
              { shape: [12], seed: 7 },
              { shape: [12], seed: 8 },
            ],
            (a, b, bias, alpha) =>
              tf.fused.matMul({
                a: a!,
                b: b!,
                transposeA: ta,
                transposeB: tb,
                bias: bias!,
                activation,
                preluActivationWeights: activation === 'prelu' ? alpha : undefined,
                leakyreluAlpha: 0.3,
              }),
          );
        });
      }
    }

    it('fused.matMul broadcasts a [M, N] bias and a scalar-like prelu weight', async () => {
      await expectMatchesCpu(
        [
          { shape: [3, 6, 10], seed: 9 },
          { shape: [3, 10, 4], seed: 10 },
          { shape: [6, 4], seed: 11 },
          { shape: [1], seed: 12 },
        ],
        (a, b, bias, w) => tf.fused.matMul({ a: a!, b: b!, bias: bias!, activation: 'prelu', preluActivationWeights: w! }),
      );
    });

    for (const activation of ['linear', 'relu'] as const) {
      it(`fused.matMul ${activation} gradients (a, b, bias) match cpu`, async () => {
        await expectMatchesCpu(
          [
            { shape: [2, 8, 16], seed: 13 },
            { shape: [2, 16, 12], seed: 14 },
            { shape: [12], seed: 15 },
          ],
          (a, b, bias) =>
            tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
              tf.fused.matMul({ a: x as tf.Tensor3D, b: y as tf.Tensor3D, bias: z, activation }).square().sum(),
            )([a!, b!, bias!]),
        );
      });
    }

    it('tf.layers.dense forward and backward match cpu', async () => {
      await expectMatchesCpu(
        [
          { shape: [5, 7], seed: 16 },
          { shape: [7, 3], seed: 17 },
          { shape: [3], seed: 18 },
        ],
        (x, k, bias) => {
          const layer = tf.layers.dense({ units: 3, activation: 'relu', weights: [k!, bias!] });
          return tf.grads((w: tf.Tensor) => (layer.apply(tf.add(x!, w)) as tf.Tensor).sum())([tf.zerosLike(x!)]).concat([
            layer.apply(x!) as tf.Tensor,
          ]);
        },
      );
    });
  });
}
