import * as tf from '@tensorflow/tfjs';
import { makeTargetTensors } from './losses';
import {
  DecoderCache,
  disposeDecoderCache,
  disposeEncoderState,
  EncoderState,
  reorderDecoderCache,
  Transformer,
} from './transformer';

/**
 * Decoding results. `tokens[i]` holds the generated ids of sentence i without BOS, EOS or trailing pad;
 * `finished[i]` says whether it ended with EOS (false: stopped at maxLen).
 */
export interface DecodeResult {
  tokens: number[][];
  finished: boolean[];
}

export interface GreedyDecodeOptions {
  /** Maximum number of decoding steps (generated tokens including EOS); at most config.maxLen. */
  maxLen: number;
  /** true (default): cached incremental decoding; false: recompute the whole prefix every step (reference). */
  incremental?: boolean;
}

export interface SampleDecodeOptions {
  maxLen: number;
  /** Softmax temperature (> 0), default 1. */
  temperature?: number;
  /** Sample only among the k most probable tokens; 0/undefined = full vocabulary. */
  topK?: number;
  /** Seeded uniform generator in [0, 1); sampling is deterministic given it. */
  rng: () => number;
}

export interface SampleDecodeResult extends DecodeResult {
  /**
   * int32 [B, L]: each sampled sequence followed by EOS (when finished) and right-padded with padId;
   * L = longest row (≥ 1). This is the `tgtOut` layout of a teacher-forcing batch, for scoring.
   */
  sequences: tf.Tensor2D;
}

export interface BeamSearchOptions {
  beam: number;
  maxLen: number;
  /**
   * GNMT length penalty α (Wu et al. 2016): hypotheses are ranked by logP / lp(L) with
   * lp(L) = ((5 + L) / 6)^α, L = generated length including EOS. α = 0 (default) ranks by raw log-probability.
   */
  lengthPenalty?: number;
}

export interface BeamSearchResult extends DecodeResult {
  /** Raw model log-probability log p(y [+EOS] | x) of each returned hypothesis. */
  scores: number[];
  /** The ranking score logP / lp(L). */
  normalizedScores: number[];
}

/** GNMT length penalty lp(L) = ((5 + L) / 6)^α. */
export function gnmtLengthPenalty(length: number, alpha: number): number {
  return alpha === 0 ? 1 : Math.pow((5 + length) / 6, alpha);
}

function checkMaxLen(model: Transformer, maxLen: number): void {
  if (!Number.isInteger(maxLen) || maxLen < 1 || maxLen > model.config.maxLen) {
    throw new Error(`decoding maxLen must be an integer in [1, ${model.config.maxLen}], got ${maxLen}`);
  }
}

/**
 * Shared step loop of greedy and sampling decoding. `choose(logits [N,V]) -> ids` picks the next tokens.
 */
function runDecoder(
  model: Transformer,
  src: tf.Tensor2D,
  maxLen: number,
  incremental: boolean,
  choose: (logits: tf.Tensor2D, finished: readonly boolean[]) => ArrayLike<number>,
): DecodeResult {
  checkMaxLen(model, maxLen);
  const { bosId, eosId, padId } = model.config;
  const n = src.shape[0];
  const tokens: number[][] = Array.from({ length: n }, () => []);
  const finished: boolean[] = new Array<boolean>(n).fill(false);
  const enc = model.encode(src);
  let cache: DecoderCache | undefined = incremental ? model.initDecoderCache(enc) : undefined;
  const prefix: number[][] = Array.from({ length: n }, () => [bosId]);
  let feed = new Int32Array(n).fill(bosId);
  try {
    for (let step = 0; step < maxLen; step++) {
      let logits: tf.Tensor2D;
      if (cache !== undefined) {
        const input = tf.tensor1d(feed, 'int32');
        const out = model.decodeStep(cache, input);
        input.dispose();
        cache = out.cache;
        logits = out.logits;
      } else {
        const input = tf.tensor2d(prefix.flat(), [n, step + 1], 'int32');
        logits = model.decodePrefix(enc, input);
        input.dispose();
      }
      const next = choose(logits, finished);
      logits.dispose();
      feed = new Int32Array(n).fill(padId);
      for (let i = 0; i < n; i++) {
        if (!finished[i]) {
          if (next[i] === eosId) finished[i] = true;
          else {
            tokens[i].push(next[i]);
            feed[i] = next[i];
          }
        }
        prefix[i].push(feed[i]);
      }
      if (finished.every((f) => f)) break;
    }
  } finally {
    if (cache !== undefined) disposeDecoderCache(cache);
    disposeEncoderState(enc);
  }
  return { tokens, finished };
}

/** Greedy (argmax) decoding of src int32 [B, S]; stops per sentence at EOS. */
export function greedyDecode(model: Transformer, src: tf.Tensor2D, options: GreedyDecodeOptions): DecodeResult {
  return runDecoder(model, src, options.maxLen, options.incremental ?? true, (logits) =>
    tf.tidy(() => tf.argMax(logits, 1).dataSync()),
  );
}

/**
 * Draws one index from logits (a row over the vocabulary) with temperature and optional top-k, in JS:
 * probabilities are a float64 softmax over the kept logits, inverse-CDF sampling with one `rng()` draw.
 * Ties at the k-th value are broken towards the lower index.
 */
export function sampleFromLogits(
  logits: ArrayLike<number>,
  rng: () => number,
  temperature = 1,
  topK = 0,
): number {
  if (!(temperature > 0)) throw new Error(`temperature must be > 0, got ${temperature}`);
  const v = logits.length;
  let candidates: number[];
  if (topK > 0 && topK < v) {
    // Insertion into a descending list of k indices (k is small in practice).
    candidates = [];
    for (let i = 0; i < v; i++) {
      const x = logits[i];
      if (candidates.length === topK && x <= logits[candidates[topK - 1]]) continue;
      let j = candidates.length === topK ? topK - 1 : candidates.length;
      if (candidates.length < topK) candidates.push(i);
      while (j > 0 && logits[candidates[j - 1]] < x) {
        candidates[j] = candidates[j - 1];
        j--;
      }
      candidates[j] = i;
    }
  } else {
    return sampleAll(logits, rng, temperature);
  }
  let max = -Infinity;
  for (const i of candidates) max = Math.max(max, logits[i]);
  const weights = candidates.map((i) => Math.exp((logits[i] - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng() * total;
  for (let j = 0; j < candidates.length; j++) {
    u -= weights[j];
    if (u < 0) return candidates[j];
  }
  return candidates[candidates.length - 1];
}

/** exp((logit − max) / T) of every entry, reused across draws. */
let weightScratch = new Float64Array(0);

/**
 * sampleFromLogits without top-k: the same draw (the same weights, summed and walked in the same order) without the
 * index and weight arrays it would allocate per row.
 */
function sampleAll(logits: ArrayLike<number>, rng: () => number, temperature: number): number {
  const v = logits.length;
  if (weightScratch.length < v) weightScratch = new Float64Array(v);
  const weights = weightScratch;
  let max = -Infinity;
  for (let i = 0; i < v; i++) max = Math.max(max, logits[i]!);
  for (let i = 0; i < v; i++) weights[i] = Math.exp((logits[i]! - max) / temperature);
  return drawFromWeights(weights, rng, v);
}

/**
 * One inverse-CDF draw from the first `n` unnormalised weights (≥ 0): their float64 sum times one `rng()` draw,
 * walked down in index order.
 */
export function drawFromWeights(weights: ArrayLike<number>, rng: () => number, n = weights.length): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i]!;
  let u = rng() * total;
  for (let i = 0; i < n; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return n - 1;
}

/**
 * exp((logits − row max) / T) of every row, computed on the backend (float32; kt's native Max, Sub, RealDiv and Exp
 * on wasm): the unnormalised probabilities sampleDecode draws from without top-k — the weights sampleFromLogits forms
 * in float64 JavaScript, up to float32 rounding, without a JavaScript exp per vocabulary entry (on-policy KD draws
 * batch × vocabulary of them at every decoding step).
 */
export function samplingWeights(logits: tf.Tensor2D, temperature: number): tf.Tensor2D {
  if (!(temperature > 0)) throw new Error(`temperature must be > 0, got ${temperature}`);
  return tf.tidy(() => tf.exp(tf.div(tf.sub(logits, tf.max(logits, 1, true)), temperature)) as tf.Tensor2D);
}

/**
 * Ancestral sampling with temperature and top-k; categorical draws are done in JS with `rng` (deterministic given
 * rng and the backend), from samplingWeights without top-k and by sampleFromLogits with it. Also returns the padded
 * int32 sequences (with EOS) for scoring.
 */
export function sampleDecode(model: Transformer, src: tf.Tensor2D, options: SampleDecodeOptions): SampleDecodeResult {
  const { temperature = 1, topK = 0, rng } = options;
  const vocab = model.config.vocabSize;
  const fullVocabulary = !(topK > 0 && topK < vocab);
  const result = runDecoder(model, src, options.maxLen, true, (logits, finished) => {
    // Without top-k every row's weights come from the backend in one go; with it, sampleFromLogits ranks in JS.
    const weights = fullVocabulary ? samplingWeights(logits, temperature) : undefined;
    const data = (weights ?? logits).dataSync();
    weights?.dispose();
    const n = logits.shape[0];
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      // A finished row's token is never used: it still takes its one draw (so every row sees the rng stream it always
      // did) but skips its walk over the vocabulary.
      const row = data.subarray(i * vocab, (i + 1) * vocab);
      if (finished[i]) rng();
      else out[i] = fullVocabulary ? drawFromWeights(row, rng) : sampleFromLogits(row, rng, temperature, topK);
    }
    return out;
  });
  const { padId, eosId } = model.config;
  const width = Math.max(1, ...result.tokens.map((t, i) => t.length + (result.finished[i] ? 1 : 0)));
  const flat = new Int32Array(result.tokens.length * width).fill(padId);
  result.tokens.forEach((t, i) => {
    t.forEach((id, j) => (flat[i * width + j] = id));
    if (result.finished[i]) flat[i * width + t.length] = eosId;
  });
  return { ...result, sequences: tf.tensor2d(flat, [result.tokens.length, width], 'int32') };
}

/** Repeats every row of an encoder state `times` times (row i -> rows i*times … i*times+times-1). */
export function tileEncoderState(enc: EncoderState, times: number): EncoderState {
  return tf.tidy(() => {
    const b = enc.memory.shape[0];
    const idx = tf.tensor1d(
      Array.from({ length: b * times }, (_, r) => Math.floor(r / times)),
      'int32',
    );
    return { memory: tf.gather(enc.memory, idx) as tf.Tensor3D, srcPadMask: tf.gather(enc.srcPadMask, idx) as tf.Tensor2D };
  });
}

interface Hypothesis {
  tokens: number[];
  score: number;
  normalized: number;
  finished: boolean;
}

/**
 * Batched beam search: all B·beam hypotheses advance together through one cached `decodeStep` per step;
 * the cache rows are reordered with `tf.gather` on the B·beam axis when beams are selected.
 * Per sentence, the 2·beam best (parent, token) extensions are taken; EOS extensions ranked within the top
 * `beam` become finished hypotheses, the best `beam` non-EOS extensions stay alive. A sentence stops once it
 * has `beam` finished hypotheses and no alive beam can still beat the worst of them (bound: raw score / lp(maxLen),
 * valid because log-probabilities only decrease). At maxLen, alive beams join the pool as unfinished hypotheses.
 * Returns the best hypothesis per sentence by logP / lp(L) (GNMT, see {@link BeamSearchOptions.lengthPenalty}).
 */
export function beamSearch(model: Transformer, src: tf.Tensor2D, options: BeamSearchOptions): BeamSearchResult {
  const { beam: k, maxLen } = options;
  const alpha = options.lengthPenalty ?? 0;
  if (!Number.isInteger(k) || k < 1) throw new Error(`beam must be a positive integer, got ${k}`);
  checkMaxLen(model, maxLen);
  const { bosId, eosId, padId, vocabSize: vocab } = model.config;
  const b = src.shape[0];
  const n = b * k;
  const lpMax = gnmtLengthPenalty(maxLen, alpha);

  const enc = model.encode(src);
  const tiled = tileEncoderState(enc, k);
  disposeEncoderState(enc);
  let cache = model.initDecoderCache(tiled);
  disposeEncoderState(tiled);

  let beamScores = new Float32Array(n).fill(-Infinity);
  for (let i = 0; i < b; i++) beamScores[i * k] = 0;
  let beamTokens: number[][] = Array.from({ length: n }, () => []);
  const pools: Hypothesis[][] = Array.from({ length: b }, () => []);
  const done: boolean[] = new Array<boolean>(b).fill(false);
  let feed = new Int32Array(n).fill(bosId);
  const nCand = Math.min(2 * k, k * vocab);

  const addToPool = (pool: Hypothesis[], h: Hypothesis): void => {
    pool.push(h);
    pool.sort((x, y) => y.normalized - x.normalized);
    if (pool.length > k) pool.length = k;
  };

  try {
    for (let step = 0; step < maxLen; step++) {
      const input = tf.tensor1d(feed, 'int32');
      const out = model.decodeStep(cache, input);
      input.dispose();
      cache = out.cache;
      const [values, indices] = tf.tidy(() => {
        const scores = tf.tensor2d(beamScores, [n, 1]);
        const total = tf.reshape(tf.add(tf.logSoftmax(out.logits), scores), [b, k * vocab]);
        const top = tf.topk(total, nCand, true);
        return [top.values.dataSync(), top.indices.dataSync()];
      });
      out.logits.dispose();

      const parents = new Int32Array(n);
      const nextScores = new Float32Array(n).fill(-Infinity);
      const nextTokens: number[][] = new Array<number[]>(n);
      feed = new Int32Array(n).fill(padId);
      const length = step + 1;
      for (let s = 0; s < b; s++) {
        let alive = 0;
        if (!done[s]) {
          for (let c = 0; c < nCand && alive < k; c++) {
            const score = values[s * nCand + c];
            if (score === -Infinity) break;
            const flat = indices[s * nCand + c];
            const parentRow = s * k + Math.floor(flat / vocab);
            const token = flat % vocab;
            if (token === eosId) {
              if (c < k) {
                addToPool(pools[s], {
                  tokens: beamTokens[parentRow],
                  score,
                  normalized: score / gnmtLengthPenalty(length, alpha),
                  finished: true,
                });
              }
              continue;
            }
            const row = s * k + alive;
            parents[row] = parentRow;
            nextScores[row] = score;
            nextTokens[row] = [...beamTokens[parentRow], token];
            feed[row] = token;
            alive++;
          }
          const pool = pools[s];
          const bestAlive = alive > 0 ? nextScores[s * k] : -Infinity;
          if (alive === 0 || (pool.length >= k && bestAlive / lpMax <= pool[pool.length - 1].normalized)) done[s] = true;
        }
        for (let j = alive; j < k; j++) {
          const row = s * k + j;
          parents[row] = s * k;
          nextTokens[row] = [];
        }
      }
      beamScores = nextScores;
      beamTokens = nextTokens;
      if (done.every((d) => d)) break;
      cache = reorderDecoderCache(cache, parents);
    }
    for (let s = 0; s < b; s++) {
      if (done[s]) continue;
      for (let j = 0; j < k; j++) {
        const row = s * k + j;
        if (beamScores[row] === -Infinity) continue;
        addToPool(pools[s], {
          tokens: beamTokens[row],
          score: beamScores[row],
          normalized: beamScores[row] / gnmtLengthPenalty(beamTokens[row].length, alpha),
          finished: false,
        });
      }
    }
  } finally {
    disposeDecoderCache(cache);
  }
  const best = pools.map((p) => p[0]);
  return {
    tokens: best.map((h) => h.tokens),
    finished: best.map((h) => h.finished),
    scores: best.map((h) => h.score),
    normalizedScores: best.map((h) => h.normalized),
  };
}

/**
 * Model log-probability log p(y | x) of given target sequences (sum over tokens, plus EOS where
 * `finished[i]` is true; default all true), by one teacher-forced forward pass. Returns one number per row.
 */
export function scoreSequences(
  model: Transformer,
  src: tf.Tensor2D,
  tokens: readonly (readonly number[])[],
  finished?: readonly boolean[],
): number[] {
  const batch = makeTargetTensors(tokens, model.config, finished);
  try {
    const sums = tf.tidy(() => {
      const logits = model.forward(src, batch.tgtIn, { training: false });
      const logp = tf.logSoftmax(logits);
      const picked = tf.sum(tf.mul(logp, tf.oneHot(batch.tgtOut, model.config.vocabSize)), 2);
      return tf.sum(tf.mul(picked, batch.mask), 1);
    });
    const out = Array.from(sums.dataSync());
    sums.dispose();
    return out;
  } finally {
    batch.tgtIn.dispose();
    batch.tgtOut.dispose();
    batch.mask.dispose();
  }
}
