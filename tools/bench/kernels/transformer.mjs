// A small decoder-only transformer training step in plain tfjs ops, for the
// kernel benchmark: 2 layers, D128, 4 heads, T64, batch 8, vocab 512, Adam,
// one-hot embedding (oneHot(tokens) x E, so the embedding is a matMul).
//
// Two variants of the same step (same sizes, same initial weights, same loss):
// - 'plain': plain tfjs ops and tf.train.adam (the reference);
// - 'fused': tf.fused.matMul with the bias, @kt/core's fused ops GELU, LayerNorm, causal self-attention on
//   the packed QKV projection and softmax cross-entropy (one kernel forward, one backward each, through
//   tf.customGrad; the same math in plain ops where the native kernels are not registered) and core's
//   FusedAdam (one native call per variable update on wasm + @kt/native; tfjs's Adam math elsewhere).
import * as tf from '@tensorflow/tfjs';
// The fused ops are @kt/core's (each runs @kt/native's kernel when registered, its composite otherwise).
import { FusedAdam, gelu as coreGelu, layerNorm as coreLayerNorm, selfAttention, softmaxCrossEntropy } from '@kt/core';

export const TRANSFORMER = { layers: 2, dModel: 128, heads: 4, seqLen: 64, batch: 8, vocab: 512, mlp: 4 };

/** GELU (tanh form) in plain ops. `cube: 'pow'` uses tf.pow(x, 3); 'mul' uses x*x*x. */
function gelu(x, cube) {
  const x3 = cube === 'pow' ? tf.pow(x, 3) : tf.mul(tf.mul(x, x), x);
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, x3)));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

function layerNorm(x, gamma, beta) {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
}

export function createTransformer(cfg = TRANSFORMER, seed = 1) {
  const { layers, dModel: D, vocab: V, seqLen: T, mlp } = cfg;
  let s = seed;
  // In tidy, so the initial random tensor is freed and each variable owns its buffer (in-place Adam).
  const init = (shape, scale) => tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, scale, 'float32', s++)));
  const params = {
    emb: init([V, D], 0.02),
    pos: init([T, D], 0.02),
    out: init([D, V], 0.02),
    lnfG: tf.variable(tf.ones([D])),
    lnfB: tf.variable(tf.zeros([D])),
    blocks: [],
  };
  for (let l = 0; l < layers; l++) {
    params.blocks.push({
      ln1G: tf.variable(tf.ones([D])),
      ln1B: tf.variable(tf.zeros([D])),
      wqkv: init([D, 3 * D], 0.02),
      bqkv: tf.variable(tf.zeros([3 * D])),
      wo: init([D, D], 0.02),
      bo: tf.variable(tf.zeros([D])),
      ln2G: tf.variable(tf.ones([D])),
      ln2B: tf.variable(tf.zeros([D])),
      w1: init([D, mlp * D], 0.02),
      b1: tf.variable(tf.zeros([mlp * D])),
      w2: init([mlp * D, D], 0.02),
      b2: tf.variable(tf.zeros([D])),
    });
  }
  return params;
}

export function allVariables(params) {
  return namedVariables(params).map(([, v]) => v);
}

/** [name, variable] in allVariables order; the names are those of reference/transformer_step.py. */
export function namedVariables(params) {
  const named = [['emb', params.emb], ['pos', params.pos], ['out', params.out], ['lnfG', params.lnfG], ['lnfB', params.lnfB]];
  params.blocks.forEach((b, i) => named.push(...Object.entries(b).map(([k, v]) => [`blocks.${i}.${k}`, v])));
  return named;
}

/** x [rows, in] x w [in, out] + b: one _FusedMatMul kernel in the fused variant. */
function dense(x, w, b, fused) {
  return fused ? tf.fused.matMul({ a: x, b: w, bias: b }) : tf.add(tf.matMul(x, w), b);
}

/** Mean next-token cross-entropy of `tokens` [B, T] (int32) predicting `targets` [B, T]. */
export function transformerLoss(params, tokens, targets, cfg = TRANSFORMER, variant = 'plain') {
  const fused = variant === 'fused';
  const ln = fused ? (x, g, b) => coreLayerNorm(x, g, b, 1e-5) : layerNorm;
  const act = fused ? (x) => coreGelu(x) : (x) => gelu(x, 'mul');
  const { dModel: D, heads: H, vocab: V } = cfg;
  const [B, T] = tokens.shape;
  const dh = D / H;
  const oneHot = tf.oneHot(tf.reshape(tokens, [-1]), V).toFloat();
  let x = tf.reshape(tf.matMul(oneHot, params.emb), [B, T, D]);
  x = tf.add(x, params.pos);
  // Additive causal mask (plain variant): -1e9 above the diagonal.
  const negInf = () => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9);
  for (const blk of params.blocks) {
    const h = ln(x, blk.ln1G, blk.ln1B);
    const qkv = dense(tf.reshape(h, [B * T, D]), blk.wqkv, blk.bqkv, fused);
    let merged;
    if (fused) {
      // One kernel forward and one backward: q k^T, causal softmax, times v, on the packed projection.
      merged = tf.reshape(selfAttention(tf.reshape(qkv, [B, T, 3 * D]), { heads: H, causal: true }), [B * T, D]);
    } else {
      const split = (i) => tf.transpose(tf.reshape(tf.slice(qkv, [0, i * D], [B * T, D]), [B, T, H, dh]), [0, 2, 1, 3]);
      const q = split(0);
      const k = split(1);
      const v = split(2);
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), negInf());
      const att = tf.matMul(tf.softmax(scores), v); // [B, H, T, dh]
      merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B * T, D]);
    }
    x = tf.add(x, tf.reshape(dense(merged, blk.wo, blk.bo, fused), [B, T, D]));
    const h2 = tf.reshape(ln(x, blk.ln2G, blk.ln2B), [B * T, D]);
    const m = act(dense(h2, blk.w1, blk.b1, fused));
    x = tf.add(x, tf.reshape(dense(m, blk.w2, blk.b2, fused), [B, T, D]));
  }
  const logits = tf.matMul(tf.reshape(ln(x, params.lnfG, params.lnfB), [B * T, D]), params.out);
  const labels = tf.oneHot(tf.reshape(targets, [-1]), V).toFloat();
  // Fused: one softmax-cross-entropy kernel forward and one backward; the mean equals tf.losses' default reduction.
  return fused ? tf.mean(softmaxCrossEntropy(labels, logits)) : tf.losses.softmaxCrossEntropy(labels, logits);
}

export function makeBatch(cfg = TRANSFORMER, seed = 7) {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const n = cfg.batch * (cfg.seqLen + 1);
  const seq = Int32Array.from({ length: n }, () => Math.floor(rnd() * cfg.vocab));
  const all = tf.tensor2d(seq, [cfg.batch, cfg.seqLen + 1], 'int32');
  const tokens = tf.slice(all, [0, 0], [cfg.batch, cfg.seqLen]);
  const targets = tf.slice(all, [0, 1], [cfg.batch, cfg.seqLen]);
  all.dispose();
  return { tokens, targets };
}

/** Builds a model + Adam on the current backend; returns step() -> loss value and dispose(). */
export function transformerTrainer(cfg = TRANSFORMER, variant = 'plain') {
  const params = createTransformer(cfg);
  const vars = allVariables(params);
  const opt = variant === 'fused' ? new FusedAdam(1e-3) : tf.train.adam(1e-3);
  const { tokens, targets } = makeBatch(cfg);
  return {
    step() {
      const loss = opt.minimize(() => transformerLoss(params, tokens, targets, cfg, variant), true, vars);
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    },
    optimizer: opt,
    /** Initial weights and the batch, named as reference/transformer_step.py reads them (call before step()). */
    namedTensors: () => [...namedVariables(params), ['tokens', tokens], ['targets', targets]],
    dispose() {
      opt.dispose();
      tf.dispose([...vars, tokens, targets]);
    },
  };
}
