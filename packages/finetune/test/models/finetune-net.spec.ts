import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '@kt/core/testing';
import { FinetuneNet } from '../../src';

useCpuBackend();

/** FinetuneNet's math in plain tfjs ops (conv + bias + ReLU, max-pool, dense ReLU, linear head), from its named weights. */
function reference(net: FinetuneNet, x: tf.Tensor4D, mask?: { layer: string; channel: number }): { maps: tf.Tensor4D[]; features: tf.Tensor2D; logits: tf.Tensor2D } {
  const w = net.namedVariables();
  const maps: tf.Tensor4D[] = [];
  let h = x;
  net.mapLayers().forEach((name) => {
    let a = tf.relu(tf.add(tf.conv2d(h, w.get(`${name}/kernel`)! as tf.Tensor4D, 1, 'same'), w.get(`${name}/bias`)!)) as tf.Tensor4D;
    if (mask?.layer === name) {
      const keep = new Float32Array(a.shape[3]).fill(1);
      keep[mask.channel] = 0;
      a = tf.mul(a, tf.tensor1d(keep));
    }
    maps.push(a);
    h = tf.maxPool(a, 2, 2, 'valid');
  });
  const flat = h.reshape([h.shape[0], -1]) as tf.Tensor2D;
  const features = tf.relu(tf.add(tf.matMul(flat, w.get('fc/kernel')! as tf.Tensor2D), w.get('fc/bias')!)) as tf.Tensor2D;
  const logits = tf.add(tf.matMul(features, w.get('head/kernel')! as tf.Tensor2D), w.get('head/bias')!) as tf.Tensor2D;
  return { maps, features, logits };
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('FinetuneNet on core ops (fused conv + bias + ReLU, core linear)', () => {
  let net: FinetuneNet;

  beforeAll(() => {
    net = new FinetuneNet({ inputShape: [8, 8, 2], channels: [3, 4], dense: 6, classes: 5, seed: 3 });
    // non-zero biases so a dropped or misplaced bias shows (they start at 0)
    for (const [key, v] of net.namedVariables()) if (key.endsWith('/bias')) v.assign(tf.tidy(() => tf.randomNormal(v.shape, 0, 0.3, 'float32', 7)));
  });

  afterAll(() => net.dispose());

  it('gives the plain-op values: every map, the features and the logits, with and without a channel mask', () => {
    tf.tidy(() => {
      const x = tf.randomUniform([4, 8, 8, 2], 0, 1, 'float32', 11) as tf.Tensor4D;
      for (const mask of [undefined, { layer: 'conv2', channel: 1 }]) {
        const ref = reference(net, x, mask);
        const out = net.body(x, mask);
        net.mapLayers().forEach((name, i) => expect(maxAbsDiff(out.maps[name]!, ref.maps[i]!)).toBeLessThan(1e-5));
        expect(maxAbsDiff(out.features, ref.features)).toBeLessThan(1e-5);
        expect(maxAbsDiff(net.headLogits(out.features), ref.logits)).toBeLessThan(1e-5);
      }
      // flat inputs are reshaped, as before
      expect(maxAbsDiff(net.forward(x.reshape([4, 128])), reference(net, x).logits)).toBeLessThan(1e-5);
      expect(Array.from(net.forward(x).shape)).toEqual([4, 5]);
    });
  });

  it('gives the plain-op gradients for every weight', () => {
    tf.tidy(() => {
      const x = tf.randomUniform([3, 8, 8, 2], 0, 1, 'float32', 13) as tf.Tensor4D;
      const y = tf.oneHot(tf.tensor1d([0, 4, 2], 'int32'), 5);
      const vars = net.trainableVariables();
      const loss = (logits: () => tf.Tensor2D) => (): tf.Scalar => tf.losses.softmaxCrossEntropy(y, logits()) as tf.Scalar;
      const got = tf.variableGrads(loss(() => net.forward(x)), vars).grads;
      const want = tf.variableGrads(loss(() => reference(net, x).logits), vars).grads;
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const name of Object.keys(want)) expect(maxAbsDiff(got[name]!, want[name]!)).toBeLessThan(1e-5);
    });
  });
});
