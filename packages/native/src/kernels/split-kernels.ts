import { backend_util } from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../addon';
import { makeSlice } from './elementwise-kernels';
import type { Fallback, KernelArgs } from './matmul-kernels';
import { shapeError } from './wasm-heap';

/**
 * Float32 SplitV as one native strided copy per part (the Slice kernel's): wasm's SplitV slices in JavaScript and
 * reads the whole input out of the heap for each part (tf.concat's gradient is a SplitV: DeepInversion's jitter,
 * a roll by slices and a concat, spent ~0.1 s per iteration in it at [100, 28, 28, 1]). Other dtypes and ranks
 * above 8 go to the kernel below.
 */
export function makeSplitV(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'SplitV';
  const slice = makeSlice(addon, () => {
    throw shapeError(kernel, 'no strided copy plan for a part');
  }) as unknown as (args: KernelArgs) => TensorInfo;
  return ((args: KernelArgs) => {
    const x = args.inputs['x'];
    if (!x) throw shapeError(kernel, "missing input 'x'");
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank === 0 || rank > 8) return fallback(args);
    const axisAttr = args.attrs?.['axis'];
    const splits = args.attrs?.['numOrSizeSplits'];
    if (typeof axisAttr !== 'number' || (typeof splits !== 'number' && !Array.isArray(splits))) return fallback(args);
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    if (axis < 0 || axis >= rank) throw shapeError(kernel, `axis ${axisAttr} is out of range for rank ${rank}`);
    const sizes = backend_util.prepareSplitSize(x, splits as number | number[], axis);
    const begin = x.shape.map(() => 0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const part = slice({ ...args, inputs: { x }, attrs: { begin: [...begin], size } });
      begin[axis]! += s;
      return part;
    });
  }) as unknown as KernelFunc;
}
