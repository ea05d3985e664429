import * as tf from '@tensorflow/tfjs';

import { describeNative, expectMatchesCpu, maxRelErr, registerNativeKernels, seeded, unregisterNativeKernels } from './helpers';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
}

const CASES: ConvCase[] = [
  { name: '3x3 same stride 1', x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: '3x3 valid stride 2', x: [2, 10, 9, 3], f: [3, 3, 3, 5], strides: 2, pad: 'valid' },
  { name: '5x3 same strides [2,1]', x: [1, 11, 8, 2], f: [5, 3, 2, 3], strides: [2, 1], pad: 'same' },
  { name: 'explicit padding', x: [2, 7, 8, 3], f: [3, 2, 3, 4], strides: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { name: '1x1 pointwise', x: [3, 6, 5, 8], f: [1, 1, 8, 6], strides: 1, pad: 'valid' },
  { name: 'first layer 28x28x1 -> 8', x: [4, 28, 28, 1], f: [3, 3, 1, 8], strides: 1, pad: 'same' },
];

const DILATED: ConvCase[] = [
  { name: 'dilation 2 same', x: [2, 12, 11, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same', dilations: 2 },
  { name: 'dilations [2,3] valid', x: [1, 13, 14, 2], f: [3, 2, 2, 3], strides: 1, pad: 'valid', dilations: [2, 3] },
];

for (const blas of ['system', 'portable'] as const) {
  describeNative(`native Conv2D and backprops (${blas})`, () => {
    beforeAll(async () => {
      await tf.setBackend('wasm');
      registerNativeKernels({ blas, threads: 2 });
    });
    afterAll(() => unregisterNativeKernels());

    for (const c of [...CASES, ...DILATED]) {
      it(`conv2d ${c.name}: values match cpu`, async () => {
        await expectMatchesCpu([{ shape: c.x, seed: 21 }, { shape: c.f, seed: 22 }], (x, f) =>
          tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations ?? 1),
        );
      });
    }

    for (const c of CASES) {
      it(`conv2d ${c.name}: gradients (Conv2DBackpropInput / Conv2DBackpropFilter) match cpu`, async () => {
        const before = tf.memory().numTensors;
        await expectMatchesCpu([{ shape: c.x, seed: 23 }, { shape: c.f, seed: 24 }], (x, f) =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad).square().sum())([x!, f!]),
        );
        expect(tf.memory().numTensors).toBe(before);
      });
    }

    // Larger stride-2 shapes (the filter gradient sums over 8 images). tfjs-cpu's backprops take ~15 s
    // here, so the reference is a direct loop over the definition.
    for (const pad of ['same', 'valid'] as const) {
      it(`stride 2 ${pad}, 8x32x32x16 -> 32, 3x3: Conv2DBackpropFilter and Conv2DBackpropInput match a direct loop`, async () => {
        await tf.setBackend('wasm');
        const [n, h, w, c, o, k, s] = [8, 32, 32, 16, 32, 3, 2];
        const out = pad === 'same' ? Math.ceil(h / s) : Math.floor((h - k) / s) + 1;
        const padTop = pad === 'same' ? Math.floor(Math.max(0, (out - 1) * s + k - h) / 2) : 0;
        const xv = seeded(n * h * w * c, 25);
        const fv = seeded(k * k * c * o, 26);
        const dyv = seeded(n * out * out * o, 27);
        const dw = new Float64Array(k * k * c * o);
        const dx = new Float64Array(n * h * w * c);
        for (let b = 0; b < n; b++) {
          for (let oy = 0; oy < out; oy++) {
            for (let ox = 0; ox < out; ox++) {
              const dyRow = ((b * out + oy) * out + ox) * o;
              for (let fy = 0; fy < k; fy++) {
                const iy = oy * s - padTop + fy;
                if (iy < 0 || iy >= h) continue;
                for (let fx = 0; fx < k; fx++) {
                  const ix = ox * s - padTop + fx;
                  if (ix < 0 || ix >= w) continue;
                  const xRow = ((b * h + iy) * w + ix) * c;
                  for (let ci = 0; ci < c; ci++) {
                    const fRow = ((fy * k + fx) * c + ci) * o;
                    const xval = xv[xRow + ci]!;
                    let acc = 0;
                    for (let co = 0; co < o; co++) {
                      dw[fRow + co] += xval * dyv[dyRow + co]!;
                      acc += fv[fRow + co]! * dyv[dyRow + co]!;
                    }
                    dx[xRow + ci] += acc;
                  }
                }
              }
            }
          }
        }
        const got = tf.tidy(() => {
          const x = tf.tensor4d(xv, [n, h, w, c]);
          const f = tf.tensor4d(fv, [k, k, c, o]);
          const dy = tf.tensor4d(dyv, [n, out, out, o]);
          const attrs = { strides: s, pad, dataFormat: 'NHWC' };
          return [
            (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [k, k, c, o] }) as tf.Tensor).dataSync(),
            (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: [n, h, w, c] }) as tf.Tensor).dataSync(),
          ] as Float32Array[];
        });
        expect(maxRelErr(got[0]!, Float32Array.from(dw))).toBeLessThan(1e-4);
        expect(maxRelErr(got[1]!, Float32Array.from(dx))).toBeLessThan(1e-4);
      });
    }

    it('conv2dTranspose (Conv2DBackpropInput) matches cpu', async () => {
      await expectMatchesCpu([{ shape: [2, 5, 5, 4], seed: 25 }, { shape: [3, 3, 3, 4], seed: 26 }], (dy, f) =>
        tf.conv2dTranspose(dy as tf.Tensor4D, f as tf.Tensor4D, [2, 10, 10, 3], 2, 'same'),
      );
    });

    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'prelu', 'leakyrelu', 'sigmoid'] as const) {
      it(`fused.conv2d ${activation} with bias matches cpu`, async () => {
        await expectMatchesCpu(
          [
            { shape: [2, 8, 8, 3], seed: 27 },
            { shape: [3, 3, 3, 5], seed: 28 },
            { shape: [5], seed: 29 },
            { shape: [5], seed: 30 },
          ],
          (x, f, bias, w) =>
            tf.fused.conv2d({
              x: x as tf.Tensor4D,
              filter: f as tf.Tensor4D,
              strides: 1,
              pad: 'same',
              bias: bias!,
              activation,
              preluActivationWeights: activation === 'prelu' ? w : undefined,
              leakyreluAlpha: 0.25,
            }),
        );
      });
    }

    it('a tf.layers conv2d model: forward and weight gradients match cpu', async () => {
      await expectMatchesCpu(
        [
          { shape: [3, 10, 10, 2], seed: 31 },
          { shape: [3, 3, 2, 4], seed: 32 },
          { shape: [4], seed: 33 },
        ],
        (x, k, bias) => {
          const layer = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', weights: [k!, bias!] });
          const out = layer.apply(x!) as tf.Tensor;
          const g = tf.grads((kk: tf.Tensor, bb: tf.Tensor) =>
            tf.fused.conv2d({ x: x as tf.Tensor4D, filter: kk as tf.Tensor4D, strides: 1, pad: 'same', bias: bb, activation: 'relu' }).sum(),
          )([k!, bias!]);
          return [out, ...g];
        },
      );
    });
  });
}
