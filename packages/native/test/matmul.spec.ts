import * as tf from '@tensorflow/tfjs';

import { describeNative, expectMatchesCpu, maxRelErr, registerNativeKernels, seeded, unregisterNativeKernels } from './helpers';

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

/** op(a) . op(b) with numpy batch broadcasting, by explicit loops (the reference for general broadcasts). */
function broadcastMatMul(
  av: Float32Array,
  as: number[],
  bv: Float32Array,
  bs: number[],
  ta: boolean,
  tb: boolean,
): { shape: number[]; values: Float32Array } {
  const ar = as.length;
  const br = bs.length;
  const m = ta ? as[ar - 1]! : as[ar - 2]!;
  const k = ta ? as[ar - 2]! : as[ar - 1]!;
  const n = tb ? bs[br - 2]! : bs[br - 1]!;
  const oa = as.slice(0, -2);
  const ob = bs.slice(0, -2);
  const rank = Math.max(oa.length, ob.length);
  const pa = [...new Array<number>(rank - oa.length).fill(1), ...oa];
  const pb = [...new Array<number>(rank - ob.length).fill(1), ...ob];
  const outer = pa.map((d, i) => Math.max(d, pb[i]!));
  const count = outer.reduce((x, y) => x * y, 1);
  const values = new Float32Array(count * m * n);
  for (let flat = 0; flat < count; flat++) {
    // Coordinates of this batch entry, then each operand's batch index (size-1 dims repeat).
    let rest = flat;
    let ia = 0;
    let ib = 0;
    let sa = 1;
    let sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const c = rest % outer[d]!;
      rest = Math.floor(rest / outer[d]!);
      ia += (pa[d] === 1 ? 0 : c) * sa;
      ib += (pb[d] === 1 ? 0 : c) * sb;
      sa *= pa[d]!;
      sb *= pb[d]!;
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const x = av[ia * m * k + (ta ? p * m + i : i * k + p)]!;
          const y = bv[ib * k * n + (tb ? j * k + p : p * n + j)]!;
          s += x * y;
        }
        values[(flat * m + i) * n + j] = s;
      }
    }
  }
  return { shape: [...outer, m, n], values };
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

    // numpy / TF BatchMatMulV2 broadcasting checked against an explicit loop (tfjs 4.22's cpu and wasm
    // BatchMatMul index batches as `i % batchSize`, which is wrong for e.g. [2,1] x [3]).
    const GENERAL: Array<[number[], number[]]> = [
      [[2, 1], [3]],
      [[3], [2, 1]],
      [[2, 1], [1, 3]],
      [[1, 3], [2, 1]],
      [[2, 1, 3], [4, 1]],
      [[1], [2, 3]],
      [[4], [2, 1, 1]],
      [[], [2, 1]],
    ];
    for (const [outerA, outerB] of GENERAL) {
      for (const [ta, tb] of TRANSPOSES) {
        it(`general batch broadcasting [${outerA}] x [${outerB}] tA=${ta} tB=${tb} matches an explicit loop`, async () => {
          await tf.setBackend('wasm');
          const [m, k, n] = [3, 5, 4];
          const [as, bs] = stored(outerA, outerB, m, k, n, ta, tb);
          const av = seeded(as.reduce((x, y) => x * y, 1), 31);
          const bv = seeded(bs.reduce((x, y) => x * y, 1), 32);
          const out = tf.tidy(() => tf.matMul(tf.tensor(av, as), tf.tensor(bv, bs), ta, tb));
          const want = broadcastMatMul(av, as, bv, bs, ta, tb);
          expect(out.shape).toEqual(want.shape);
          expect(maxRelErr(out.dataSync() as Float32Array, want.values)).toBeLessThan(1e-5);
          out.dispose();
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
