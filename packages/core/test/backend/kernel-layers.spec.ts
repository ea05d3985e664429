import * as tf from '@tensorflow/tfjs';
import { activeKernels, installedKernels, installKernels, kernelBelow, removeKernels } from '../../src/runtime/backend';

/** A kernel on the cpu backend that fills its output with `value`, or defers to the kernel below for int32. */
function constantKernel(owner: string, kernelName: string, value: number): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'cpu',
    kernelFunc: (args) => {
      const x = args.inputs['x'] as tf.TensorInfo;
      if (x.dtype === 'int32') {
        const below = kernelBelow(owner, kernelName, 'cpu');
        if (below === undefined) throw new Error('nothing below');
        return below.kernelFunc(args);
      }
      const size = x.shape.reduce((a, b) => a * b, 1);
      const backend = args.backend as unknown as { makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo };
      return backend.makeTensorInfo([...x.shape], 'float32', new Float32Array(size).fill(value));
    },
  };
}

const run = (x: tf.Tensor): number[] => Array.from((tf.engine().runKernel('Neg', { x }) as tf.Tensor).dataSync());

describe('kernel layers (the one kernel swap helper)', () => {
  const original = tf.getKernel('Neg', 'cpu');
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => {
    removeKernels('a');
    removeKernels('b');
  });

  it('stacks layers, falls back to the layer below, and restores in any order', () => {
    expect(original).toBeDefined();
    const x = tf.tensor1d([1, 2]);
    const xi = tf.tensor1d([1, 2], 'int32');
    const a = constantKernel('a', 'Neg', 7);
    installKernels('a', [a]);
    expect(run(x)).toEqual([7, 7]);
    installKernels('b', [constantKernel('b', 'Neg', 9)]);
    expect(run(x)).toEqual([9, 9]);
    expect(kernelBelow('b', 'Neg', 'cpu')).toBe(a);
    expect(kernelBelow('a', 'Neg', 'cpu')).toBe(original);
    // b defers int32 to a, which defers it to tfjs's own Neg.
    expect(run(xi)).toEqual([-1, -2]);
    expect(activeKernels('a')).toEqual([]);
    expect(activeKernels('b')).toEqual(['Neg']);
    expect(installedKernels('a')).toEqual(['Neg']);

    // Removing the lower layer first keeps b on top; b now falls back to the original.
    removeKernels('a');
    expect(run(x)).toEqual([9, 9]);
    expect(kernelBelow('b', 'Neg', 'cpu')).toBe(original);
    removeKernels('b');
    expect(tf.getKernel('Neg', 'cpu')).toBe(original);
    expect(run(x)).toEqual([-1, -2]);
    tf.dispose([x, xi]);
  });

  it('re-installing an owner replaces its layer in place of stacking twice; removing restores the original', () => {
    installKernels('a', [constantKernel('a', 'Neg', 7)]);
    installKernels('a', [constantKernel('a', 'Neg', 8)]);
    const x = tf.tensor1d([1]);
    expect(run(x)).toEqual([8]);
    removeKernels('a');
    expect(tf.getKernel('Neg', 'cpu')).toBe(original);
    expect(installedKernels('a')).toEqual([]);
    x.dispose();
  });

  it('a layer over a kernel that does not exist leaves nothing behind when removed', () => {
    installKernels('a', [{ ...constantKernel('a', 'KtNoSuchKernel', 1) }]);
    expect(tf.getKernel('KtNoSuchKernel', 'cpu')).toBeDefined();
    removeKernels('a');
    expect(tf.getKernel('KtNoSuchKernel', 'cpu')).toBeUndefined();
  });

  it('keeps the setup function of the kernel it covers (so that kernel works if the backend starts later)', () => {
    const setupFunc = (): void => undefined;
    installKernels('a', [{ kernelName: 'KtSetupProbe', backendName: 'cpu', kernelFunc: () => [], setupFunc }]);
    installKernels('b', [{ kernelName: 'KtSetupProbe', backendName: 'cpu', kernelFunc: () => [] }]);
    expect(tf.getKernel('KtSetupProbe', 'cpu')?.setupFunc).toBe(setupFunc);
  });
});
