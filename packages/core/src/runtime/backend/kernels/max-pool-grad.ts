import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView, WASM_BACKEND } from './wasm-kernel-utils';

/**
 * MaxPoolGrad on the wasm heap. tfjs-backend-wasm 4.22's MaxPoolGrad routes the gradient to the
 * wrong element when every value of a window is negative ([-3,-1,-2,-4] pooled 2x2 gives
 * [1,0,0,0] instead of [0,1,0,0]). This version follows the cpu backend exactly: for each output
 * cell the gradient goes to the first strictly-greatest valid input of its window (row-major),
 * padding never wins, and a window with no value greater than -Infinity (all -Inf/NaN) gets none.
 */
export function maxPoolGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { backend } = args;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  const dx = backend.makeOutput(input.shape, 'float32');
  const dxValues = heapView(backend, dx);
  const xValues = heapView(backend, input);
  const dyValues = heapView(backend, dy);
  dxValues.fill(0);

  const xRowStride = inWidth * inChannels;
  const xBatchStride = inHeight * xRowStride;
  const yRowStride = outWidth * inChannels;
  const yBatchStride = outHeight * yRowStride;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const hStart = oh * strideHeight - padTop;
      for (let ow = 0; ow < outWidth; ow++) {
        const wStart = ow * strideWidth - padLeft;
        for (let c = 0; c < inChannels; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let bestIndex = -1;
          for (let fh = 0; fh < effectiveFilterHeight; fh += dilationHeight) {
            const ih = hStart + fh;
            if (ih < 0 || ih >= inHeight) {
              continue;
            }
            for (let fw = 0; fw < effectiveFilterWidth; fw += dilationWidth) {
              const iw = wStart + fw;
              if (iw < 0 || iw >= inWidth) {
                continue;
              }
              const index = b * xBatchStride + ih * xRowStride + iw * inChannels + c;
              const value = xValues[index];
              if (value > best) {
                best = value;
                bestIndex = index;
              }
            }
          }
          if (bestIndex >= 0) {
            dxValues[bestIndex] += dyValues[b * yBatchStride + oh * yRowStride + ow * inChannels + c];
          }
        }
      }
    }
  }
  return dx;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: WASM_BACKEND,
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
