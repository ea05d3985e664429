import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { releaseInfos, runWasmKernel, WASM_BACKEND } from './wasm-kernel-utils';

/**
 * Conv2DBackpropFilter for the wasm backend, expressed as one forward convolution so it runs in
 * the backend's optimised Conv2D (XNNPACK, or whatever Conv2D kernel is registered at call time):
 *
 *   dW[fh, fw, ci, co] = sum over (b, oh, ow) of x[b, oh*sH + fh - top, ow*sW + fw - left, ci] * dy[b, oh, ow, co]
 *
 * is a convolution of xT = x^T[ci, h, w, b] (channels and batch swapped) with the "filter"
 * dyT = dy^T[oh, ow, b, co], stride 1 and dilation = the original strides, padded top/left like the
 * original convolution; the result [ci, fh, fw, co] is transposed back to [fh, fw, ci, co].
 * tfjs has no dilation attribute on this kernel (conv gradients require dilation 1).
 */
export function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { backend } = args;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') {
    throw new Error(`kt wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  );
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth) {
    throw new Error(`Conv2DBackpropFilter: dy shape [${dy.shape}] does not match the convolution output`);
  }
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Pad bottom/right so the output is exactly filterHeight x filterWidth; when the original
  // convolution ignored trailing input rows/columns this would be negative: pad 0 and slice.
  const bottom = Math.max(0, filterHeight - 1 + (outHeight - 1) * strideHeight + 1 - inHeight - top);
  const right = Math.max(0, filterWidth - 1 + (outWidth - 1) * strideWidth + 1 - inWidth - left);

  const xT = runWasmKernel(tf.Transpose, backend, { x }, { perm: [3, 1, 2, 0] });
  const dyT = runWasmKernel(tf.Transpose, backend, { x: dy }, { perm: [1, 2, 0, 3] });
  let grad = runWasmKernel(
    tf.Conv2D,
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [strideHeight, strideWidth],
    },
  );
  releaseInfos(backend, xT, dyT);
  if (grad.shape[1] !== filterHeight || grad.shape[2] !== filterWidth) {
    const sliced = runWasmKernel(
      tf.Slice,
      backend,
      { x: grad },
      { begin: [0, 0, 0, 0], size: [grad.shape[0], filterHeight, filterWidth, grad.shape[3]] },
    );
    releaseInfos(backend, grad);
    grad = sliced;
  }
  const dw = runWasmKernel(tf.Transpose, backend, { x: grad }, { perm: [1, 2, 0, 3] });
  releaseInfos(backend, grad);
  return dw;
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: WASM_BACKEND,
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
