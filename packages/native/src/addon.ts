import * as fs from 'fs';
import * as path from 'path';

/** The functions exported by the compiled addon (csrc/addon.cc). */
export interface NativeAddon {
  info(): { blas: 'openblas' | 'cblas' | 'none'; threads: number; system: boolean };
  configure(useSystemBlas: boolean, threads: number): void;
  matmul(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    aIndex: Int32Array,
    bIndex: Int32Array,
  ): void;
  epilogue(
    out: Float32Array,
    batch: number,
    m: number,
    n: number,
    activation: number,
    alpha: number,
    bias: Float32Array | undefined,
    biasIndex: Int32Array | undefined,
    biasGeometry: Int32Array | undefined,
    prelu: Float32Array | undefined,
    preluIndex: Int32Array | undefined,
    preluGeometry: Int32Array | undefined,
  ): void;
  conv2d(x: Float32Array, filter: Float32Array, y: Float32Array, params: Int32Array): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, params: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, params: Int32Array): void;
  /** op: 0 tanh, 1 exp, 2 sigmoid */
  unary(op: number, x: Float32Array, out: Float32Array): void;
  /** out = x ** y elementwise; y may have one element. */
  pow(x: Float32Array, y: Float32Array, out: Float32Array): void;
  /**
   * out = a op b with broadcasting (op: 0 add, 1 sub, 2 mul, 3 div);
   * geometry = [rank, dims[rank], aStrides[rank], bStrides[rank]] (see binaryGeometry).
   */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, geometry: Int32Array): void;
  /** out[o, i] = sum over r of x[o, r, i], x seen as [outer, reduce, inner]. */
  sum(x: Float32Array, out: Float32Array, outer: number, reduce: number, inner: number): void;
  /** out[o, i] = max over r of x[o, r, i] (NaN propagates), reduce >= 1. */
  max(x: Float32Array, out: Float32Array, outer: number, reduce: number, inner: number): void;
  /**
   * Copies `inner` contiguous floats per coordinate of dims:
   * geometry = [rank, dims[rank], xStrides[rank], outStrides[rank], inner] (see stridedCopyGeometry).
   */
  stridedCopy(x: Float32Array, out: Float32Array, geometry: Int32Array): void;
  /** out[b, c, r] = x[b, r, c]. */
  transpose2d(x: Float32Array, out: Float32Array, batch: number, rows: number, cols: number): void;
  /**
   * One Adam step over equal-length buffers (outputs may be the inputs); coefficients =
   * [beta1, 1-beta1, beta2, 1-beta2, 1-accBeta1, 1-accBeta2, epsilon, -learningRate].
   */
  adamUpdate(
    value: Float32Array,
    m: Float32Array,
    v: Float32Array,
    grad: Float32Array,
    valueOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    coefficients: Float32Array,
  ): void;
  /** out[i] = x[i] * scale where the counter-based uniform u_i(seed) >= rate, else 0 (see csrc/elementwise.h). */
  dropout(x: Float32Array, out: Float32Array, seed: number, rate: number, scale: number): void;
  /** y = GELU(x), tanh form. */
  geluForward(x: Float32Array, y: Float32Array): void;
  /** dx = dy * GELU'(x). */
  geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /** LayerNorm over the last dim of x seen as [rows, d]. */
  layerNormForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, rows: number, d: number, epsilon: number): void;
  /** Gradients of layerNormForward: dx [rows, d], dgamma [d], dbeta [d]. */
  layerNormBackward(
    x: Float32Array,
    gamma: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    rows: number,
    d: number,
    epsilon: number,
  ): void;
  /**
   * Multi-head attention: q rows [B, Tq], k and v rows [B, Tk] (views into their buffers; row strides in dims),
   * dims = [B, Tq, Tk, H, dh, ldq, ldk, ldv]; keyPad [B, Tk] (nonzero: masked) or undefined.
   * out [B, Tq, H*dh], probs [B, H, Tq, Tk].
   */
  attentionForward(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    out: Float32Array,
    probs: Float32Array,
    keyPad: Float32Array | undefined,
    dims: Int32Array,
    scale: number,
    causal: boolean,
  ): void;
  /** dq, dk, dv (same geometry as q, k, v) from dout [B, Tq, H*dh] and the forward's probs. */
  attentionBackward(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    probs: Float32Array,
    dout: Float32Array,
    dq: Float32Array,
    dk: Float32Array,
    dv: Float32Array,
    dims: Int32Array,
    scale: number,
  ): void;
  /** Row-wise softmax cross-entropy: loss [rows], logSoftmax [rows, cols]. */
  softmaxXentForward(logits: Float32Array, labels: Float32Array, loss: Float32Array, logSoftmax: Float32Array, rows: number, cols: number): void;
  /** MaxPoolGrad on NHWC buffers: params [batch, inH, inW, C, outH, outW, strideH, strideW, dilationH, dilationW, effFilterH, effFilterW, padTop, padLeft]. */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, params: Int32Array): void;
  /**
   * Per-channel batch statistics of x [rows, C] (mean, biased variance) and y = (x - m) / sqrt(v + eps) * gamma + beta with
   * (m, v) the batch statistics, or normMean / normVariance when given (eval mode).
   */
  batchNormForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    normMean: Float32Array | undefined,
    normVariance: Float32Array | undefined,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  /** dx, dgamma, dbeta of batchNormForward's outputs (y, mean, variance) from dy, dmean, dvariance (normMean / normVariance: constants). */
  batchNormBackward(
    x: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    normMean: Float32Array | undefined,
    normVariance: Float32Array | undefined,
    dy: Float32Array,
    dmean: Float32Array,
    dvariance: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  /** dlogits = dy (softmax * sum(labels) - labels), dlabels = -dy logSoftmax. */
  softmaxXentBackward(
    labels: Float32Array,
    logSoftmax: Float32Array,
    dy: Float32Array,
    dlogits: Float32Array,
    dlabels: Float32Array,
    rows: number,
    cols: number,
  ): void;
  /** Row-wise KL(softmax(a invT) ‖ softmax(b invT)) into kl [rows], saving logP, logQ; rows with mask 0 give 0. */
  tokenKlForward(
    a: Float32Array,
    b: Float32Array,
    mask: Float32Array | undefined,
    invT: number,
    kl: Float32Array,
    logP: Float32Array,
    logQ: Float32Array,
    rows: number,
    cols: number,
  ): void;
  /**
   * Row-wise generalised JSD_β of softmax(t invT) and softmax(l invT) (β in (0, 1)) into jsd [rows], saving log p_l, log m
   * and klL = KL(p_l ‖ m); its gradient with respect to l is tokenKlBackward(logPl, logM, klL, dy (1 − β), wrtP).
   */
  tokenJsdForward(
    t: Float32Array,
    l: Float32Array,
    mask: Float32Array | undefined,
    invT: number,
    beta: number,
    jsd: Float32Array,
    logPl: Float32Array,
    logM: Float32Array,
    klL: Float32Array,
    rows: number,
    cols: number,
  ): void;
  /** Its gradient times dy [rows], with respect to a (wrtP) or b. */
  tokenKlBackward(
    logP: Float32Array,
    logQ: Float32Array,
    kl: Float32Array,
    dy: Float32Array,
    mask: Float32Array | undefined,
    invT: number,
    wrtP: boolean,
    grad: Float32Array,
    rows: number,
    cols: number,
  ): void;
}

export interface AddonLoad {
  addon?: NativeAddon;
  reason?: string;
}

/** Package root: the folder holding package.json (one level above src/ or dist/). */
export function packageRoot(): string {
  return path.resolve(__dirname, '..');
}

/** Path of the compiled addon; KT_NATIVE_ADDON overrides it. */
export function addonPath(): string {
  return process.env['KT_NATIVE_ADDON'] ?? path.join(packageRoot(), 'build', 'Release', 'kt_native.node');
}

function installReason(): string | undefined {
  const file = path.join(packageRoot(), 'native-build.json');
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { ok?: boolean; reason?: string };
    return parsed.ok === false ? parsed.reason : undefined;
  } catch {
    return undefined;
  }
}

interface BuildRecord {
  ok?: boolean;
  reason?: string;
  march?: string;
  cpuFlags?: string[];
}

function buildRecord(): BuildRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(packageRoot(), 'native-build.json'), 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
}

/**
 * An addon built with -march=native uses the build machine's SIMD extensions
 * (AVX2, AVX-512, ...). When this machine lacks one of them (the package was
 * built elsewhere), loading it would end the process with SIGILL: report why
 * instead. Only checked on Linux x64, where the build records the flags.
 */
export function missingCpuFeatures(record: BuildRecord | undefined, cpuinfo: string | undefined): string[] {
  if (!record || record.march !== 'native' || !Array.isArray(record.cpuFlags) || cpuinfo === undefined) return [];
  const line = cpuinfo.split('\n').find((l) => l.startsWith('flags'));
  if (!line) return [];
  const have = new Set((line.split(':')[1] ?? '').trim().split(/\s+/));
  return record.cpuFlags.filter((f) => !have.has(f));
}

function readCpuinfo(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
}

function isAddon(value: unknown): value is NativeAddon {
  if (typeof value !== 'object' || value === null) return false;
  const names = ['info', 'configure', 'matmul', 'epilogue', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'unary', 'pow', 'binary', 'sum', 'max', 'stridedCopy', 'transpose2d', 'adamUpdate', 'dropout', 'geluForward', 'geluBackward', 'layerNormForward', 'layerNormBackward', 'attentionForward', 'attentionBackward', 'softmaxXentForward', 'softmaxXentBackward', 'tokenKlForward', 'tokenKlBackward', 'batchNormForward', 'batchNormBackward', 'maxPoolGrad'];
  return names.every((n) => typeof (value as Record<string, unknown>)[n] === 'function');
}

let cached: AddonLoad | undefined;

/** Loads the addon once; never throws (a failure is returned as `reason`). */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  const file = addonPath();
  if (!fs.existsSync(file)) {
    const why = installReason();
    cached = {
      reason: `addon not built (${file} missing)${why ? `: ${why}` : ''}; run \`npm run build:native -w @kt/native\``,
    };
    return cached;
  }
  const missing = process.env['KT_NATIVE_ADDON'] ? [] : missingCpuFeatures(buildRecord(), readCpuinfo());
  if (missing.length > 0) {
    cached = {
      reason:
        `the addon was built with -march=native on a CPU with ${missing.join(', ')}, which this CPU lacks; ` +
        'rebuild it here (`npm run build:native -w @kt/native`) or build with KT_NATIVE_MARCH=x86-64-v2',
    };
    return cached;
  }
  try {
    // A compiled addon can only be loaded through require.
    const loaded: unknown = require(file);
    cached = isAddon(loaded) ? { addon: loaded } : { reason: `${file} does not export the expected functions` };
  } catch (err) {
    cached = { reason: `cannot load ${file}: ${err instanceof Error ? err.message : String(err)}` };
  }
  return cached;
}
