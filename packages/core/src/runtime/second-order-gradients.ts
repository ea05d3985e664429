import * as tf from '@tensorflow/tfjs';

/**
 * Gradients tfjs 4.22 does not register for two kernels that appear in the *backward* pass of a CNN, so
 * that second-order gradients (MetaDistil's gradient through one learner step) can run through conv and
 * max-pool layers. Every other kernel the classify and mt models use (MatMul/BatchMatMul, Add, Mul, Relu,
 * Step, Exp, Log, Softmax, LogSoftmax, Sum, Mean, Max, Reshape, Transpose, Gather, UnsortedSegmentSum,
 * Conv2D, Conv2DBackpropInput, Tanh, Sqrt, …) already has a gradient written in ops, so its backward
 * pass is differentiable again; kernels only change how an op runs (kt's native matmul/conv included), not
 * its gradient. Fused custom-gradient ops must run their composite form (see composite-mode.ts).
 */

/**
 * dW = Conv2DBackpropFilter(x, dy) is bilinear: dW[kh, kw, ci, co] = Σ x[b, i·s + kh − p, j·s + kw − p, ci] · dy[b, i, j, co].
 * Given the upstream G (filter-shaped): ∂/∂dy = conv2d(x, G) with the same strides and padding, and
 * ∂/∂x = conv2DBackpropInput(x.shape, dy, G) (= conv2dTranspose).
 */
const conv2dBackpropFilterGrad: tf.GradConfig = {
  kernelName: 'Conv2DBackpropFilter',
  inputsToSave: ['x', 'dy'],
  gradFunc: (g, saved, attrs) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const G = g as tf.Tensor4D;
    const a = attrs as unknown as { strides: [number, number] | number; pad: 'valid' | 'same' | number; dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
    if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') throw new Error('second-order gradient of Conv2DBackpropFilter: only NHWC is supported');
    return {
      x: () => tf.conv2dTranspose(dy, G, x.shape, a.strides, a.pad as 'valid' | 'same' | number, a.dimRoundingMode),
      dy: () => tf.conv2d(x, G, a.strides, a.pad as 'valid' | 'same' | number, 'NHWC', 1, a.dimRoundingMode),
    };
  },
};

/**
 * dx = MaxPoolGrad(dy, input, output) routes each window's dy to its maximum: linear in dy, piecewise
 * constant in input/output (gradient 0 there). For non-overlapping windows without padding (strides =
 * filter size, `valid`, as in the classify CNN) its adjoint takes, per window, G at the routed position:
 * sumPool(G ⊙ M) with M = MaxPoolGrad(1, input, output), the same routing. Other settings throw, naming them.
 */
const maxPoolGradGrad: tf.GradConfig = {
  kernelName: 'MaxPoolGrad',
  inputsToSave: ['dy', 'input', 'output'],
  gradFunc: (g, saved, attrs) => {
    const [dy, input, output] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as { filterSize: [number, number] | number; strides: [number, number] | number; pad: 'valid' | 'same' | number; dimRoundingMode?: string };
    const [fh, fw] = typeof a.filterSize === 'number' ? [a.filterSize, a.filterSize] : a.filterSize;
    const [sh, sw] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
    const noPad = a.pad === 'valid' || a.pad === 0;
    if (!(noPad && fh === sh && fw === sw)) {
      throw new Error(
        `second-order gradient of max-pool: only non-overlapping windows without padding are supported (filter ${fh}x${fw}, strides ${sh}x${sw}, pad ${String(a.pad)}); use teacherUpdate.strategy metadistil-first-order`,
      );
    }
    return {
      dy: () => {
        const routing = tf.engine().runKernel('MaxPoolGrad', { dy: tf.onesLike(dy), input, output }, attrs) as tf.Tensor4D;
        return tf.mul(tf.avgPool(tf.mul(g as tf.Tensor4D, routing) as tf.Tensor4D, [fh, fw], [sh, sw], 'valid'), fh * fw);
      },
      input: () => tf.zerosLike(input),
      output: () => tf.zerosLike(output),
    };
  },
};

const GRADIENTS: readonly tf.GradConfig[] = [conv2dBackpropFilterGrad, maxPoolGradGrad];

/** Registers the gradients above where tfjs has none (idempotent; never overrides an existing gradient). */
export function registerSecondOrderGradients(): void {
  for (const config of GRADIENTS) if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
}
