import * as tf from '@tensorflow/tfjs';
import { installKernels, removeKernels } from '../../src/runtime/backend';
import { gelu, geluComposite, KT_KERNEL_NAMES } from '../../src/ops';

describe("core's fused ops run a registered kernel by name, else their composite", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => removeKernels('dispatch test'));

  it('uses the active backend kernel registered under the op name, forward and backward', () => {
    const calls: string[] = [];
    const fill = (name: string, value: number): tf.KernelConfig => ({
      kernelName: name,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend }) => {
        calls.push(name);
        const x = inputs['x'] as tf.TensorInfo;
        const b = backend as unknown as { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
        return b.makeTensorInfo([...x.shape], 'float32', new Float32Array(x.shape.reduce((p, q) => p * q, 1)).fill(value));
      },
    });
    const x = tf.tensor1d([0.5, -1]);
    expect(Array.from(gelu(x).dataSync())).toEqual(Array.from(geluComposite(x).dataSync()));
    expect(calls).toEqual([]);

    installKernels('dispatch test', [fill(KT_KERNEL_NAMES.gelu, 3), fill(KT_KERNEL_NAMES.geluGrad, 5)]);
    expect(Array.from(gelu(x).dataSync())).toEqual([3, 3]);
    expect(Array.from(tf.grad((v: tf.Tensor) => gelu(v))(x).dataSync())).toEqual([5, 5]);
    expect(calls).toEqual([KT_KERNEL_NAMES.gelu, KT_KERNEL_NAMES.gelu, KT_KERNEL_NAMES.geluGrad]);

    // Another backend without the kernel runs the composite.
    removeKernels('dispatch test');
    expect(Array.from(gelu(x).dataSync())).toEqual(Array.from(geluComposite(x).dataSync()));
    x.dispose();
  });
});
