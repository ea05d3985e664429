import { MtDataError } from '../data/mt-data-error';
import { NumpyGenerator } from './numpy-random';

// Math's functions as module constants: global lookups are slow inside jest's vm contexts, and these run in hot loops.
const { abs, floor, fround } = Math;

/*
 * sacreBLEU 2.6's statistical tests (significance.py), reproduced number for number: the same numpy generator
 * (`default_rng(SACREBLEU_SEED or 12345)`), the same resampling indices, the same float32 arithmetic where numpy
 * uses float32 (bootstrap statistics), numpy's pairwise summation for means, and the same p-value formula.
 */

/** A corpus metric computed from summed per-segment statistics (BLEU, chrF): what the tests resample. */
export interface StatsMetric {
  /** Name as sacreBLEU prints it: `BLEU`, `chrF2`, `chrF2++`. */
  readonly name: string;
  /** Per-segment sufficient statistics of a system against the references. */
  segmentStats(hyps: readonly string[], refs: readonly (readonly string[])[]): number[][];
  /** The score from summed statistics; `float32`: statistics and arithmetic as numpy float32. */
  score(stats: readonly number[], float32: boolean): number;
  /** Whether the score from float32 statistics is itself a numpy float32 (chrF) or a Python float (BLEU: `math.exp`). */
  readonly float32Scores: boolean;
}

/** sacreBLEU's `Result`: a system's score, and (paired tests) its p-value against the baseline and its bootstrap mean ± 95 % CI. */
export interface PairedResult {
  score: number;
  pValue?: number;
  mean?: number;
  ci?: number;
}

/** The seed sacreBLEU uses: env `SACREBLEU_SEED` (default 12345); `none` (and 0) mean unseeded in sacreBLEU, refused here: results must repeat. */
export function sacrebleuSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['SACREBLEU_SEED'] ?? '12345';
  if (!/^\d+$/.test(raw)) throw new MtDataError(`SACREBLEU_SEED must be a non-negative integer (got "${raw}"); unseeded tests are not supported`);
  // PairedTest passes `seed if seed else None`: with 0 sacreBLEU's paired test itself is unseeded.
  if (Number(raw) === 0) throw new MtDataError('SACREBLEU_SEED=0 leaves sacreBLEU\'s paired tests unseeded (it treats 0 as no seed); use a positive seed');
  return Number(raw);
}

/** numpy's pairwise summation (`np.add.reduce` on a contiguous 1-D array), in float64 or float32. */
export function numpySum(values: ArrayLike<number>, float32 = false, start = 0, end = values.length): number {
  const f = float32 ? fround : (x: number): number => x;
  const n = end - start;
  if (n < 8) {
    let res = 0;
    for (let i = start; i < end; i++) res = f(res + values[i]!);
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0].map((_, j) => f(values[start + j]!));
    const whole = n - (n % 8);
    for (let i = 8; i < whole; i += 8) for (let j = 0; j < 8; j++) r[j] = f(r[j]! + values[start + i + j]!);
    let res = f(f(f(r[0]! + r[1]!) + f(r[2]! + r[3]!)) + f(f(r[4]! + r[5]!) + f(r[6]! + r[7]!)));
    for (let i = whole; i < n; i++) res = f(res + values[start + i]!);
    return res;
  }
  let n2 = floor(n / 2);
  n2 -= n2 % 8;
  return f(numpySum(values, float32, start, start + n2) + numpySum(values, float32, start + n2, end));
}

/** `np.mean`: pairwise sum divided by the count (in float32 for a float32 array). */
export function numpyMean(values: ArrayLike<number>, float32 = false): number {
  const mean = numpySum(values, float32) / values.length;
  return float32 ? fround(mean) : mean;
}

/** sacreBLEU's `estimate_ci`: the mean of the scores and half the width of their central 95 % (indices n//40 and n−n//40−1 of the sorted scores). */
export function estimateCi(scores: ArrayLike<number>, float32 = false): { mean: number; ci: number } {
  const sorted = Float64Array.from(scores).sort();
  const lowerIdx = floor(sorted.length / 40);
  const upperIdx = sorted.length - lowerIdx - 1;
  const half = 0.5 * (sorted[upperIdx]! - sorted[lowerIdx]!);
  return { mean: numpyMean(sorted, float32), ci: float32 ? fround(half) : half };
}

/** `_compute_p_value`: (number of sample statistics > the real one, + 1) / (samples + 1). */
export function pValue(stats: ArrayLike<number>, realDifference: number): number {
  let c = 0;
  for (let i = 0; i < stats.length; i++) if (stats[i]! > realDifference) c++;
  return (c + 1) / (stats.length + 1);
}

/** Summed statistics of the rows `idx[offset .. offset+n)` of `stats` (in float32 when asked, as numpy sums float32 rows). */
function sumRows(stats: readonly (readonly number[])[], idx: Int32Array, offset: number, n: number, float32: boolean): number[] {
  const k = stats[0]!.length;
  const out = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const row = stats[idx[offset + i]!]!;
    for (let j = 0; j < k; j++) out[j] = float32 ? fround(out[j]! + row[j]!) : out[j]! + row[j]!;
  }
  return out;
}

/** Bootstrap scores of one system on `samples` resamples given as a flat index matrix (samples × segments). */
function bootstrapScores(metric: StatsMetric, stats: readonly (readonly number[])[], idx: Int32Array, samples: number): Float64Array {
  const n = stats.length;
  const scores = new Float64Array(samples);
  for (let s = 0; s < samples; s++) scores[s] = metric.score(sumRows(stats, idx, s * n, n, true), true);
  return scores;
}

export interface PairedTestOptions {
  /** Resamples (bootstrap, default 1000) or trials (approximate randomization, default 10000). */
  samples?: number;
  /** Default: {@link sacrebleuSeed}. */
  seed?: number;
}

export interface PairedTestResult {
  baseline: PairedResult;
  system: PairedResult;
  /** What sacreBLEU adds to the metric's signature: `bs:1000|seed:12345` or `ar:10000|seed:12345`. */
  signatureFields: string;
}

/** Column sums of segment statistics (exact: the statistics are integers). */
function sumAll(stats: readonly (readonly number[])[]): number[] {
  const out = new Array<number>(stats[0]!.length).fill(0);
  for (const row of stats) for (let j = 0; j < out.length; j++) out[j] = out[j]! + row[j]!;
  return out;
}

/** What both paired tests start from: the checked pair, `samples` and `seed` (their defaults), the seeded generator, the corpus scores. */
interface PairedStart {
  samples: number;
  seed: number;
  /** Segments per system. */
  n: number;
  rng: NumpyGenerator;
  blScore: number;
  sysScore: number;
}

function startPairedTest(
  metric: StatsMetric,
  baselineStats: readonly (readonly number[])[],
  systemStats: readonly (readonly number[])[],
  options: PairedTestOptions,
  defaultSamples: number,
): PairedStart {
  if (baselineStats.length !== systemStats.length) throw new MtDataError(`paired test: the systems have ${baselineStats.length} and ${systemStats.length} segments`);
  if (baselineStats.length === 0) throw new MtDataError('paired test: no segments');
  const seed = options.seed ?? sacrebleuSeed();
  return {
    samples: options.samples ?? defaultSamples,
    seed,
    n: baselineStats.length,
    rng: new NumpyGenerator(seed),
    blScore: metric.score(sumAll(baselineStats), false),
    sysScore: metric.score(sumAll(systemStats), false),
  };
}

/**
 * Paired bootstrap resampling (`--paired-bs`, after Koehn 2004 / Moses' bootstrap-hypothesis-difference-significance.pl):
 * `samples` resamples of the segments (one index matrix for both systems), p = (#{|Δ*| − mean|Δ*| > |Δ|} + 1)/(samples + 1),
 * and each system's bootstrap mean ± 95 % CI. The baseline's CI comes from sacreBLEU's `_bootstrap_resample`,
 * whose generator is seeded the same way, so it uses the same indices.
 */
export function pairedBootstrap(
  metric: StatsMetric,
  baselineStats: readonly (readonly number[])[],
  systemStats: readonly (readonly number[])[],
  options: PairedTestOptions = {},
): PairedTestResult {
  const { samples, seed, n, rng, blScore, sysScore } = startPairedTest(metric, baselineStats, systemStats, options, 1000);
  const idx = rng.integers(n, samples * n);
  const f32 = metric.float32Scores;
  const scoresBl = bootstrapScores(metric, baselineStats, idx, samples);
  const scoresSys = bootstrapScores(metric, systemStats, idx, samples);
  const diffs = new Float64Array(samples);
  for (let s = 0; s < samples; s++) diffs[s] = f32 ? fround(abs(scoresSys[s]! - scoresBl[s]!)) : abs(scoresSys[s]! - scoresBl[s]!);
  const meanDiff = numpyMean(diffs, f32);
  const centred = diffs.map((d) => (f32 ? fround(d - meanDiff) : d - meanDiff));
  // numpy compares a float32 array with a Python float by casting the float to float32 (NEP 50).
  const real = abs(blScore - sysScore);
  const p = pValue(centred, f32 ? fround(real) : real);
  const bl = estimateCi(scoresBl, f32);
  const sys = estimateCi(scoresSys, f32);
  return {
    baseline: { score: blScore, mean: bl.mean, ci: bl.ci },
    system: { score: sysScore, pValue: p, mean: sys.mean, ci: sys.ci },
    signatureFields: `bs:${samples}|seed:${seed}`,
  };
}

/**
 * Paired two-sided approximate randomization (`--paired-ar`, after multeval): in each of `samples` trials every
 * segment's statistics are swapped between the systems with probability ½; p = (#{|Δ_trial| > |Δ|} + 1)/(trials + 1).
 * Statistics are integers here (numpy int64), so scores are computed in float64.
 */
export function pairedApproximateRandomization(
  metric: StatsMetric,
  baselineStats: readonly (readonly number[])[],
  systemStats: readonly (readonly number[])[],
  options: PairedTestOptions = {},
): PairedTestResult {
  const { samples, seed, n, rng, blScore, sysScore } = startPairedTest(metric, baselineStats, systemStats, options, 10000);
  const k = baselineStats[0]!.length;
  const pos = rng.booleans(samples * n);
  const diff = abs(blScore - sysScore);
  const trialDiffs = new Float64Array(samples);
  const a = new Array<number>(k);
  const b = new Array<number>(k);
  for (let s = 0; s < samples; s++) {
    a.fill(0);
    b.fill(0);
    for (let i = 0; i < n; i++) {
      // shuf_a = pos_sel @ bl_stats + neg_sel @ sys_stats; shuf_b the other way round.
      const [x, y] = pos[s * n + i] ? [baselineStats[i]!, systemStats[i]!] : [systemStats[i]!, baselineStats[i]!];
      for (let j = 0; j < k; j++) {
        a[j] += x[j]!;
        b[j] += y[j]!;
      }
    }
    trialDiffs[s] = abs(metric.score(a, false) - metric.score(b, false));
  }
  return {
    baseline: { score: blScore },
    system: { score: sysScore, pValue: pValue(trialDiffs, diff) },
    signatureFields: `ar:${samples}|seed:${seed}`,
  };
}
