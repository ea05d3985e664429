import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView, WASM_BACKEND } from './wasm-kernel-utils';

interface DepthwiseGeometry {
  info: tf.backend_util.Conv2DInfo;
  multiplier: number;
}

function depthwiseGeometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: tf.DepthwiseConv2dNativeBackpropFilterAttrs | tf.DepthwiseConv2dNativeBackpropInputAttrs,
): DepthwiseGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  return { info, multiplier: filterShape[3] };
}

/**
 * Visits every (input pixel, filter tap, output pixel) triple of a depthwise convolution; `visit`
 * receives the flat offsets of x[b, ih, iw, 0], filter[fh, fw, 0, 0] and dy[b, oh, ow, 0].
 */
function forEachTap(info: tf.backend_util.Conv2DInfo, visit: (xBase: number, fBase: number, dyBase: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let fh = 0; fh < filterHeight; fh++) {
        const ih = oh * strideHeight - padTop + fh * dilationHeight;
        if (ih < 0 || ih >= inHeight) {
          continue;
        }
        for (let ow = 0; ow < outWidth; ow++) {
          const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
          for (let fw = 0; fw < filterWidth; fw++) {
            const iw = ow * strideWidth - padLeft + fw * dilationWidth;
            if (iw < 0 || iw >= inWidth) {
              continue;
            }
            visit(((b * inHeight + ih) * inWidth + iw) * inChannels, (fh * filterWidth + fw) * outChannels, dyBase);
          }
        }
      }
    }
  }
}

/** dFilter[fh, fw, c, m] = sum over (b, oh, ow) of x[b, ih, iw, c] * dy[b, oh, ow, c * M + m]. */
export function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { backend } = args;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const { info, multiplier } = depthwiseGeometry(x.shape as [number, number, number, number], attrs.filterShape, attrs);
  const dw = backend.makeOutput(attrs.filterShape, 'float32');
  const dwValues = heapView(backend, dw);
  const xValues = heapView(backend, x);
  const dyValues = heapView(backend, dy);
  dwValues.fill(0);
  const channels = info.inChannels;
  forEachTap(info, (xBase, fBase, dyBase) => {
    for (let c = 0; c < channels; c++) {
      const xv = xValues[xBase + c];
      const q = c * multiplier;
      for (let m = 0; m < multiplier; m++) {
        dwValues[fBase + q + m] += xv * dyValues[dyBase + q + m];
      }
    }
  });
  return dw;
}

/** dx[b, ih, iw, c] = sum over taps of filter[fh, fw, c, m] * dy[b, oh, ow, c * M + m]. */
export function depthwiseConv2dNativeBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { backend } = args;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const { info, multiplier } = depthwiseGeometry(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs,
  );
  const dx = backend.makeOutput(attrs.inputShape, 'float32');
  const dxValues = heapView(backend, dx);
  const fValues = heapView(backend, filter);
  const dyValues = heapView(backend, dy);
  dxValues.fill(0);
  const channels = info.inChannels;
  forEachTap(info, (xBase, fBase, dyBase) => {
    for (let c = 0; c < channels; c++) {
      const q = c * multiplier;
      let sum = 0;
      for (let m = 0; m < multiplier; m++) {
        sum += fValues[fBase + q + m] * dyValues[dyBase + q + m];
      }
      dxValues[xBase + c] += sum;
    }
  });
  return dx;
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: WASM_BACKEND,
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as tf.KernelFunc,
};

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: WASM_BACKEND,
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as tf.KernelFunc,
};
