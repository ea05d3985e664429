import { backend_util } from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from '../addon';
import { activationCode, operandBroadcast } from './geometry';
import type { Fallback, KernelArgs } from './matmul-kernels';
import { asWasmBackend, heapFloats, shapeError, sizeOf } from './wasm-heap';

type Shape4 = [number, number, number, number];
type PadAttr = 'valid' | 'same' | number | backend_util.ExplicitPadding;

function input(args: KernelArgs, name: string, kernel: string): TensorInfo {
  const t = args.inputs[name];
  if (!t) throw shapeError(kernel, `missing input '${name}'`);
  return t;
}

function rank4(kernel: string, name: string, shape: readonly number[]): Shape4 {
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw shapeError(kernel, `${name} must have rank 4 (NHWC), got [${shape.join(',')}]`);
  }
  return [shape[0], shape[1], shape[2], shape[3]];
}

function pair(kernel: string, name: string, value: unknown, fallbackValue: number): [number, number] {
  const v = value === undefined || value === null ? fallbackValue : value;
  const p: unknown[] = Array.isArray(v) ? v : [v, v];
  if (p.length !== 2 || !p.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)) {
    throw shapeError(kernel, `${name} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0] as number, p[1] as number];
}

function padAttr(kernel: string, value: unknown): PadAttr {
  if (value === 'valid' || value === 'same' || typeof value === 'number') return value;
  if (Array.isArray(value) && value.length === 4) return value as backend_util.ExplicitPadding;
  throw shapeError(kernel, `unsupported pad ${JSON.stringify(value)}`);
}

function roundingAttr(value: unknown): 'floor' | 'round' | 'ceil' | undefined {
  return value === 'floor' || value === 'round' || value === 'ceil' ? value : undefined;
}

function isNhwc(args: KernelArgs): boolean {
  const f = args.attrs?.['dataFormat'];
  return f === undefined || f === null || f === 'NHWC' || f === 'channelsLast';
}

/** [batch, inH, inW, inC, outH, outW, outC, fH, fW, sH, sW, dH, dW, padTop, padLeft] */
function convParams(info: backend_util.Conv2DInfo): Int32Array {
  return Int32Array.of(
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
}

function forwardInfo(kernel: string, args: KernelArgs, x: TensorInfo, filter: TensorInfo): backend_util.Conv2DInfo {
  const xs = rank4(kernel, 'x', x.shape);
  const fs = rank4(kernel, 'filter', filter.shape);
  if (xs[3] !== fs[2]) {
    throw shapeError(kernel, `x channels ${xs[3]} must match filter input channels ${fs[2]} ([${x.shape.join(',')}] vs [${filter.shape.join(',')}])`);
  }
  return backend_util.computeConv2DInfo(
    xs,
    fs,
    pair(kernel, 'strides', args.attrs?.['strides'], 1),
    pair(kernel, 'dilations', args.attrs?.['dilations'], 1),
    padAttr(kernel, args.attrs?.['pad']),
    roundingAttr(args.attrs?.['dimRoundingMode']),
    false,
    'channelsLast',
  );
}

function sameShape(kernel: string, name: string, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw shapeError(kernel, `${name} has shape [${got.join(',')}] but the convolution needs [${want.join(',')}]`);
  }
}

export function makeConv2D(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Conv2D';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    const filter = input(args, 'filter', kernel);
    if (x.dtype !== 'float32' || filter.dtype !== 'float32' || !isNhwc(args)) return fallback(args);
    const info = forwardInfo(kernel, args, x, filter);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(info.outShape, 'float32');
    if (sizeOf(info.outShape) === 0) return out;
    addon.conv2d(heapFloats(backend, x, kernel), heapFloats(backend, filter, kernel), heapFloats(backend, out, kernel), convParams(info));
    return out;
  }) as unknown as KernelFunc;
}

export function makeFusedConv2D(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'FusedConv2D';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    const filter = input(args, 'filter', kernel);
    const bias = args.inputs['bias'] ?? undefined;
    const prelu = args.inputs['preluActivationWeights'] ?? undefined;
    const all = [x, filter, bias, prelu].filter((t): t is TensorInfo => t !== undefined);
    if (all.some((t) => t.dtype !== 'float32') || !isNhwc(args)) return fallback(args);
    const activation = activationCode(kernel, args.attrs?.['activation']);
    const alphaAttr = args.attrs?.['leakyreluAlpha'];
    const alpha = typeof alphaAttr === 'number' ? alphaAttr : 0.2;
    if (activation === 4 && !prelu) throw shapeError(kernel, "activation 'prelu' needs preluActivationWeights");
    const info = forwardInfo(kernel, args, x, filter);
    const outShape = info.outShape;
    const biasB = bias ? operandBroadcast(kernel, 'bias', bias.shape, outShape) : undefined;
    const preluB = prelu ? operandBroadcast(kernel, 'preluActivationWeights', prelu.shape, outShape) : undefined;
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(outShape, 'float32');
    if (sizeOf(outShape) === 0) return out;
    const outView = heapFloats(backend, out, kernel);
    addon.conv2d(heapFloats(backend, x, kernel), heapFloats(backend, filter, kernel), outView, convParams(info));
    if (bias || activation !== 0) {
      addon.epilogue(
        outView,
        outShape[0] * outShape[1],
        outShape[2],
        outShape[3],
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

function shapeAttr(kernel: string, name: string, value: unknown): Shape4 {
  if (!Array.isArray(value)) throw shapeError(kernel, `attribute ${name} is missing`);
  return rank4(kernel, name, value as number[]);
}

/** Geometry of a conv backprop from its attrs (strides, pad, rounding; no dilation), NHWC. */
function backpropConvInfo(kernel: string, inShape: Shape4, filterShape: Shape4, args: KernelArgs): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    pair(kernel, 'strides', args.attrs?.['strides'], 1),
    1,
    padAttr(kernel, args.attrs?.['pad']),
    roundingAttr(args.attrs?.['dimRoundingMode']),
    false,
    'channelsLast',
  );
}

export function makeConv2DBackpropInput(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Conv2DBackpropInput';
  return ((args: KernelArgs) => {
    const dy = input(args, 'dy', kernel);
    const filter = input(args, 'filter', kernel);
    if (dy.dtype !== 'float32' || filter.dtype !== 'float32' || !isNhwc(args)) return fallback(args);
    const inputShape = shapeAttr(kernel, 'inputShape', args.attrs?.['inputShape']);
    const fs = rank4(kernel, 'filter', filter.shape);
    if (inputShape[3] !== fs[2]) {
      throw shapeError(kernel, `inputShape channels ${inputShape[3]} must match filter input channels ${fs[2]}`);
    }
    const info = backpropConvInfo(kernel, inputShape, fs, args);
    sameShape(kernel, 'dy', dy.shape, info.outShape);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(inputShape, 'float32');
    if (sizeOf(inputShape) === 0) return out;
    addon.conv2dBackpropInput(heapFloats(backend, dy, kernel), heapFloats(backend, filter, kernel), heapFloats(backend, out, kernel), convParams(info));
    return out;
  }) as unknown as KernelFunc;
}

export function makeConv2DBackpropFilter(addon: NativeAddon, fallback: Fallback): KernelFunc {
  const kernel = 'Conv2DBackpropFilter';
  return ((args: KernelArgs) => {
    const x = input(args, 'x', kernel);
    const dy = input(args, 'dy', kernel);
    if (x.dtype !== 'float32' || dy.dtype !== 'float32' || !isNhwc(args)) return fallback(args);
    const filterShape = shapeAttr(kernel, 'filterShape', args.attrs?.['filterShape']);
    const xs = rank4(kernel, 'x', x.shape);
    if (xs[3] !== filterShape[2]) {
      throw shapeError(kernel, `x channels ${xs[3]} must match filterShape input channels ${filterShape[2]}`);
    }
    const info = backpropConvInfo(kernel, xs, filterShape, args);
    sameShape(kernel, 'dy', dy.shape, info.outShape);
    const backend = asWasmBackend(args.backend, kernel);
    const out = backend.makeOutput(filterShape, 'float32');
    if (sizeOf(filterShape) === 0) return out;
    addon.conv2dBackpropFilter(heapFloats(backend, x, kernel), heapFloats(backend, dy, kernel), heapFloats(backend, out, kernel), convParams(info));
    return out;
  }) as unknown as KernelFunc;
}
