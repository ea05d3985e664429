import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView, WASM_BACKEND } from './wasm-kernel-utils';

/**
 * UnsortedSegmentSum on the wasm heap: out[segmentIds[i], ...] += x[i, ...]. This is the gradient of
 * gather (embeddings), so it is a single pass over the ids (O(ids * rowSize)), independent of the
 * vocabulary size except for zero-filling the output. Ids outside [0, numSegments) are dropped,
 * as TensorFlow does.
 */
export function unsortedSegmentSum(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { backend } = args;
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const idsRank = segmentIds.shape.length;
  const idsSize = tf.util.sizeFromShape(segmentIds.shape);
  const rowShape = x.shape.slice(idsRank);
  const rowSize = tf.util.sizeFromShape(rowShape);
  if (tf.util.sizeFromShape(x.shape.slice(0, idsRank)) !== idsSize) {
    throw new Error(
      `UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
    );
  }
  const out = backend.makeOutput([numSegments, ...rowShape], x.dtype);
  const outValues = heapView(backend, out);
  const xValues = heapView(backend, x);
  const ids = heapView(backend, segmentIds);
  outValues.fill(0);
  for (let i = 0; i < idsSize; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) {
      continue;
    }
    const src = i * rowSize;
    const dst = segment * rowSize;
    for (let j = 0; j < rowSize; j++) {
      outValues[dst + j] += xValues[src + j];
    }
  }
  return out;
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: WASM_BACKEND,
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
