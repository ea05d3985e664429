import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../addon';
import { activationCode, matMulGeometry, operandBroadcast } from './geometry';
import { asWasmBackend, heapFloats, shapeError, sizeOf } from './wasm-heap';

export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

/** Called for inputs a native kernel does not handle (e.g. int32); the previous kernel or an error. */
export type Fallback = (args: KernelArgs) => TensorInfo | TensorInfo[];

function input(args: KernelArgs, name: string, kernel: string): TensorInfo {
  const t = args.inputs[name];
  if (!t) throw shapeError(kernel, `missing input '${name}'`);
  return t;
}

function optionalInput(args: KernelArgs, name: string): TensorInfo | undefined {
  return args.inputs[name] ?? undefined;
}

export function makeBatchMatMul(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'BatchMatMul';
  return ((args: KernelArgs) => {
    const a = input(args, 'a', kernel);
    const b = input(args, 'b', kernel);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    const transposeA = Boolean(args.attrs?.['transposeA']);
    const transposeB = Boolean(args.attrs?.['transposeB']);
    const g = matMulGeometry(kernel, a.shape, b.shape, transposeA, transposeB);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(g.outShape, 'float32');
    if (sizeOf(g.outShape) === 0) return out;
    // Views only after the allocation above (it may grow the heap).
    addon.matmul(
      heapFloats(backend, a, kernel),
      heapFloats(backend, b, kernel),
      heapFloats(backend, out, kernel),
      g.batch,
      g.m,
      g.n,
      g.k,
      transposeA,
      transposeB,
      g.aIndex,
      g.bIndex,
    );
    return out;
  }) as unknown as KernelFunc;
}

export function makeFusedMatMul(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = '_FusedMatMul';
  return ((args: KernelArgs) => {
    const a = input(args, 'a', kernel);
    const b = input(args, 'b', kernel);
    const bias = optionalInput(args, 'bias');
    const prelu = optionalInput(args, 'preluActivationWeights');
    const operands = [a, b, bias, prelu].filter((t): t is TensorInfo => t !== undefined);
    if (operands.some((t) => t.dtype !== 'float32')) return fallback(args);
    const transposeA = Boolean(args.attrs?.['transposeA']);
    const transposeB = Boolean(args.attrs?.['transposeB']);
    const activation = activationCode(kernel, args.attrs?.['activation']);
    const alphaAttr = args.attrs?.['leakyreluAlpha'];
    const alpha = typeof alphaAttr === 'number' ? alphaAttr : 0.2;
    if (activation === 4 && !prelu) throw shapeError(kernel, "activation 'prelu' needs preluActivationWeights");
    const g = matMulGeometry(kernel, a.shape, b.shape, transposeA, transposeB);
    const biasB = bias ? operandBroadcast(kernel, 'bias', bias.shape, g.outShape) : undefined;
    const preluB = prelu ? operandBroadcast(kernel, 'preluActivationWeights', prelu.shape, g.outShape) : undefined;
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(g.outShape, 'float32');
    if (sizeOf(g.outShape) === 0) return out;
    const outView = heapFloats(backend, out, kernel);
    addon.matmul(
      heapFloats(backend, a, kernel),
      heapFloats(backend, b, kernel),
      outView,
      g.batch,
      g.m,
      g.n,
      g.k,
      transposeA,
      transposeB,
      g.aIndex,
      g.bIndex,
    );
    if (bias || activation !== 0) {
      addon.epilogue(
        outView,
        g.batch,
        g.m,
        g.n,
        activation,
        alpha,
        bias ? heapFloats(backend, bias, kernel) : undefined,
        biasB?.index,
        biasB?.geometry,
        prelu ? heapFloats(backend, prelu, kernel) : undefined,
        preluB?.index,
        preluB?.geometry,
      );
    }
    return out;
  }) as unknown as KernelFunc;
}
