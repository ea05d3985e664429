import * as tf from '@tensorflow/tfjs';
import { crossAttention, dropout, embeddingLookup, gelu, layerNorm, linear as linearOp, matMul, Rng, selfAttention } from '@kt/core';
import { TransformerConfig, TransformerConfigInput, TransformerConfigSchema } from './transformer-config';
import { padMaskOf, sinusoidalPositions } from './transformer-ops';

const linear = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation?: 'relu'): tf.Tensor2D =>
  linearOp(x, w, b, activation) as tf.Tensor2D;

/** Output of the encoder. Owned by the caller: free with {@link disposeEncoderState}. */
export interface EncoderState {
  /** Encoder output after the final LayerNorm, float32 [B, S, D]. */
  readonly memory: tf.Tensor3D;
  /** float32 [B, S]: 1 at source padding positions (src == padId), 0 elsewhere. */
  readonly srcPadMask: tf.Tensor2D;
}

/**
 * Incremental decoding state for N = rows of the batch (B, or B*beam in beam search).
 * `decodeStep` consumes a cache (frees its self-attention tensors) and returns the next one;
 * free the last one with {@link disposeDecoderCache}.
 */
export interface DecoderCache {
  /** Number of target tokens consumed so far (= position of the next token). */
  readonly step: number;
  /** Per decoder layer: self-attention keys and values of the prefix packed as [k | v], [N, step, 2D] (empty at step 0). */
  readonly selfKv: readonly tf.Tensor3D[];
  /** [N, step]: 1 where a consumed token was padding (undefined at step 0). */
  readonly selfPadMask: tf.Tensor2D | undefined;
  /** Per decoder layer: cross-attention keys and values of the memory, computed once, [N, S, 2D]. */
  readonly crossKv: readonly tf.Tensor3D[];
  /** [N, S]: 1 at source padding positions. */
  readonly crossPadMask: tf.Tensor2D;
}

export interface ForwardOptions {
  training: boolean;
  /** Seed for dropout masks; when omitted in training, an internal counter seeded by the model seed is used. */
  dropoutSeed?: number;
}

interface LayerNormWeights {
  gamma: tf.Variable;
  beta: tf.Variable;
}
interface SelfAttentionWeights {
  wqkv: tf.Variable;
  bqkv: tf.Variable;
  wo: tf.Variable;
  bo: tf.Variable;
}
interface CrossAttentionWeights {
  wq: tf.Variable;
  bq: tf.Variable;
  wkv: tf.Variable;
  bkv: tf.Variable;
  wo: tf.Variable;
  bo: tf.Variable;
}
interface FeedForwardWeights {
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
}
interface EncoderLayerWeights {
  norm1: LayerNormWeights;
  selfAttn: SelfAttentionWeights;
  norm2: LayerNormWeights;
  ffn: FeedForwardWeights;
}
interface DecoderLayerWeights {
  norm1: LayerNormWeights;
  selfAttn: SelfAttentionWeights;
  norm2: LayerNormWeights;
  crossAttn: CrossAttentionWeights;
  norm3: LayerNormWeights;
  ffn: FeedForwardWeights;
}

/** Dropout context of one forward pass: deterministic masks from (seed, call index) through core's Rng. */
interface DropoutContext {
  rate: number;
  seed: number;
  calls: number;
}

/**
 * Pre-LN encoder–decoder transformer in plain tfjs ops over `tf.variable`s.
 *
 * - Shared source/target embedding `embedding` [V, D], scaled by √D, plus sinusoidal positions;
 *   the output projection is tied to it (logits = h·Eᵀ + `output.bias`).
 * - Encoder: N × [x += Drop(SelfAttn(LN(x))); x += Drop(FFN(LN(x)))], final LN.
 * - Decoder: N × [causal self-attention, cross-attention over the memory, FFN], each pre-LN, final LN.
 * - Dropout on the embedded input and on every residual branch, only when `training`.
 *
 * Weight names (stable, used by getWeights/setWeights): `embedding`, `output.bias`,
 * `encoder.{i}.{norm1,norm2}.{gamma,beta}`, `encoder.{i}.selfAttn.{wqkv,bqkv,wo,bo}`,
 * `encoder.{i}.ffn.{w1,b1,w2,b2}`, `encoder.norm.{gamma,beta}`, and for the decoder
 * `decoder.{i}.{norm1,norm2,norm3}.*`, `decoder.{i}.selfAttn.*`, `decoder.{i}.crossAttn.{wq,bq,wkv,bkv,wo,bo}`,
 * `decoder.{i}.ffn.*`, `decoder.norm.*`.
 */
export class Transformer {
  readonly config: TransformerConfig;
  readonly seed: number;
  private readonly variables = new Map<string, tf.Variable>();
  private readonly embedding: tf.Variable;
  private readonly outputBias: tf.Variable;
  private readonly encoderLayers: EncoderLayerWeights[] = [];
  private readonly encoderNorm: LayerNormWeights;
  private readonly decoderLayers: DecoderLayerWeights[] = [];
  private readonly decoderNorm: LayerNormWeights;
  private readonly positions: tf.Tensor2D;
  private forwardCalls = 0;
  private disposed = false;

  constructor(config: TransformerConfigInput, seed = 0) {
    this.config = TransformerConfigSchema.parse(config);
    this.seed = seed;
    const { vocabSize: v, dModel: d, ffDim: f } = this.config;
    this.embedding = this.addVariable('embedding', [v, d], 'embedding');
    this.outputBias = this.addVariable('output.bias', [v], 'zeros');
    for (let i = 0; i < this.config.encoderLayers; i++) {
      const p = `encoder.${i}`;
      this.encoderLayers.push({
        norm1: this.addLayerNorm(`${p}.norm1`),
        selfAttn: this.addSelfAttention(`${p}.selfAttn`),
        norm2: this.addLayerNorm(`${p}.norm2`),
        ffn: this.addFeedForward(`${p}.ffn`, d, f),
      });
    }
    this.encoderNorm = this.addLayerNorm('encoder.norm');
    for (let i = 0; i < this.config.decoderLayers; i++) {
      const p = `decoder.${i}`;
      this.decoderLayers.push({
        norm1: this.addLayerNorm(`${p}.norm1`),
        selfAttn: this.addSelfAttention(`${p}.selfAttn`),
        norm2: this.addLayerNorm(`${p}.norm2`),
        crossAttn: {
          wq: this.addVariable(`${p}.crossAttn.wq`, [d, d], 'glorot'),
          bq: this.addVariable(`${p}.crossAttn.bq`, [d], 'zeros'),
          wkv: this.addVariable(`${p}.crossAttn.wkv`, [d, 2 * d], 'glorot'),
          bkv: this.addVariable(`${p}.crossAttn.bkv`, [2 * d], 'zeros'),
          wo: this.addVariable(`${p}.crossAttn.wo`, [d, d], 'glorot'),
          bo: this.addVariable(`${p}.crossAttn.bo`, [d], 'zeros'),
        },
        norm3: this.addLayerNorm(`${p}.norm3`),
        ffn: this.addFeedForward(`${p}.ffn`, d, f),
      });
    }
    this.decoderNorm = this.addLayerNorm('decoder.norm');
    this.positions = sinusoidalPositions(this.config.maxLen, d);
  }

  // ---------------------------------------------------------------- variables

  /** All trainable variables, in stable (construction) order. */
  trainableVariables(): tf.Variable[] {
    return [...this.variables.values()];
  }

  /** Stable weight names, in construction order. */
  weightNames(): string[] {
    return [...this.variables.keys()];
  }

  /** Total number of scalar parameters. */
  parameterCount(): number {
    let n = 0;
    for (const v of this.variables.values()) n += v.size;
    return n;
  }

  /** Snapshot of every weight by stable name. The returned tensors are clones owned by the caller (dispose them). */
  getWeights(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, v] of this.variables) out.set(name, tf.clone(v));
    return out;
  }

  /** Assigns every weight from a map produced by {@link getWeights}; names and shapes must match exactly. */
  setWeights(weights: Map<string, tf.Tensor>): void {
    const missing = this.weightNames().filter((n) => !weights.has(n));
    const unknown = [...weights.keys()].filter((n) => !this.variables.has(n));
    if (missing.length > 0 || unknown.length > 0) {
      throw new Error(
        `setWeights: name mismatch (missing: ${missing.join(', ') || 'none'}; unknown: ${unknown.join(', ') || 'none'})`,
      );
    }
    for (const [name, v] of this.variables) {
      const w = weights.get(name) as tf.Tensor;
      if (!tf.util.arraysEqual(w.shape, v.shape)) {
        throw new Error(`setWeights: ${name} has shape [${w.shape}], expected [${v.shape}]`);
      }
    }
    for (const [name, v] of this.variables) {
      const w = weights.get(name) as tf.Tensor;
      v.assign(w.dtype === 'float32' ? w : tf.tidy(() => tf.cast(w, 'float32')));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables.values()) v.dispose();
    this.positions.dispose();
  }

  // ---------------------------------------------------------------- full (teacher-forced) pass

  /** Teacher-forced logits [B, T, V] for src int32 [B, S] and decoder input tgtIn int32 [B, T]. */
  forward(src: tf.Tensor2D, tgtIn: tf.Tensor2D, options: ForwardOptions = { training: false }): tf.Tensor3D {
    const drop = this.dropoutContext(options);
    return tf.tidy(() => {
      const enc = this.encodeWith(src, drop);
      const h = this.decodeFull(tgtIn, enc.memory, enc.srcPadMask, drop);
      return this.project(h);
    });
  }

  /** Runs the encoder (no dropout). The state is owned by the caller. */
  encode(src: tf.Tensor2D): EncoderState {
    return tf.tidy(() => {
      const { memory, srcPadMask } = this.encodeWith(src, undefined);
      return { memory, srcPadMask };
    });
  }

  /**
   * Non-incremental reference decoder step: recomputes the whole prefix [N, t] (t >= 1, starting with BOS)
   * against the encoder state and returns the logits of the last position, [N, V].
   */
  decodePrefix(enc: EncoderState, prefix: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const h = this.decodeFull(prefix, enc.memory, enc.srcPadMask, undefined);
      const [n, t, d] = h.shape;
      const last = tf.reshape(tf.slice(h, [0, t - 1, 0], [n, 1, d]), [n, 1, d]) as tf.Tensor3D;
      return tf.reshape(this.project(last), [n, this.config.vocabSize]) as tf.Tensor2D;
    });
  }

  // ---------------------------------------------------------------- incremental decoding

  /** Empty decoder cache for the encoder state: cross-attention keys/values are computed here, once. */
  initDecoderCache(enc: EncoderState): DecoderCache {
    const crossKv = tf.tidy(() => this.decoderLayers.map((layer) => this.memoryKv(enc.memory, layer)));
    return { step: 0, selfKv: [], selfPadMask: undefined, crossKv, crossPadMask: tf.clone(enc.srcPadMask) };
  }

  /**
   * One incremental decoder step: feeds tokens int32 [N] at position `cache.step`, attending to the cached
   * prefix keys/values, and returns the next-token logits [N, V] plus the extended cache. The input cache's
   * self-attention tensors are disposed (the cross-attention tensors move to the new cache).
   */
  decodeStep(cache: DecoderCache, tokens: tf.Tensor1D): { logits: tf.Tensor2D; cache: DecoderCache } {
    const { padId, maxLen, heads, dModel: d } = this.config;
    if (cache.step >= maxLen) throw new Error(`decodeStep: position ${cache.step} exceeds maxLen ${maxLen}`);
    const out = tf.tidy(() => {
      const n = tokens.shape[0];
      let x: tf.Tensor = this.embed(tf.reshape(tokens, [n, 1]) as tf.Tensor2D, cache.step, undefined);
      const stepPad = tf.reshape(padMaskOf(tokens, padId), [n, 1]);
      const selfPadMask = (cache.selfPadMask === undefined ? stepPad : tf.concat([cache.selfPadMask, stepPad], 1)) as tf.Tensor2D;
      const selfKv: tf.Tensor3D[] = [];
      this.decoderLayers.forEach((layer, i) => {
        const h = layerNorm(x, layer.norm1.gamma, layer.norm1.beta);
        const qkv = linear(tf.reshape(h, [n, d]) as tf.Tensor2D, layer.selfAttn.wqkv as tf.Tensor2D, layer.selfAttn.bqkv as tf.Tensor1D);
        const q = tf.reshape(tf.slice(qkv, [0, 0], [n, d]), [n, 1, d]);
        const kvNew = tf.reshape(tf.slice(qkv, [0, d], [n, 2 * d]), [n, 1, 2 * d]);
        const kv = (i < cache.selfKv.length ? tf.concat([cache.selfKv[i]!, kvNew], 1) : kvNew) as tf.Tensor3D;
        selfKv.push(kv);
        // Every cached key is at or before this position: no causal mask needed.
        const attn = crossAttention(q, kv, { heads, keyPadding: selfPadMask });
        x = tf.add(x, this.attnOut(attn, layer.selfAttn.wo, layer.selfAttn.bo));
        x = tf.add(x, this.crossAttend(x, layer, cache.crossKv[i]!, cache.crossPadMask));
        x = tf.add(x, this.feedForward(layerNorm(x, layer.norm3.gamma, layer.norm3.beta), layer.ffn));
      });
      const hFinal = layerNorm(x, this.decoderNorm.gamma, this.decoderNorm.beta);
      const logits = tf.reshape(this.project(hFinal as tf.Tensor3D), [n, this.config.vocabSize]) as tf.Tensor2D;
      return { logits, selfKv, selfPadMask };
    });
    for (const t of cache.selfKv) t.dispose();
    cache.selfPadMask?.dispose();
    return {
      logits: out.logits,
      cache: {
        step: cache.step + 1,
        selfKv: out.selfKv,
        selfPadMask: out.selfPadMask,
        crossKv: cache.crossKv,
        crossPadMask: cache.crossPadMask,
      },
    };
  }

  // ---------------------------------------------------------------- internals

  private dropoutContext(options: ForwardOptions): DropoutContext | undefined {
    if (!options.training || this.config.dropout <= 0) return undefined;
    const seed = options.dropoutSeed ?? this.seed * 1_000_003 + this.forwardCalls++;
    return { rate: this.config.dropout, seed, calls: 0 };
  }

  private dropout(x: tf.Tensor, drop: DropoutContext | undefined): tf.Tensor {
    if (drop === undefined) return x;
    // core's dropout: a counter-based mask from one uint32 per call (a native kernel on wasm, no mask drawn in JS).
    return dropout(x, drop.rate, Rng.derive(drop.seed, drop.calls++).nextUint32());
  }

  private embed(ids: tf.Tensor2D, offset: number, drop: DropoutContext | undefined): tf.Tensor3D {
    const [, t] = ids.shape;
    const { dModel: d, maxLen } = this.config;
    if (offset + t > maxLen) throw new Error(`sequence length ${offset + t} exceeds maxLen ${maxLen}`);
    const e = tf.mul(embeddingLookup(this.embedding as tf.Tensor2D, ids), Math.sqrt(d));
    const pos = tf.slice(this.positions, [offset, 0], [t, d]);
    return this.dropout(tf.add(e, pos), drop) as tf.Tensor3D;
  }

  private encodeWith(src: tf.Tensor2D, drop: DropoutContext | undefined): EncoderState {
    const srcPadMask = padMaskOf(src, this.config.padId) as tf.Tensor2D;
    let x: tf.Tensor = this.embed(src, 0, drop);
    for (const layer of this.encoderLayers) {
      const h = layerNorm(x, layer.norm1.gamma, layer.norm1.beta);
      const attn = selfAttention(this.qkvOf(h, layer.selfAttn), { heads: this.config.heads, keyPadding: srcPadMask });
      x = tf.add(x, this.dropout(this.attnOut(attn, layer.selfAttn.wo, layer.selfAttn.bo), drop));
      const h2 = layerNorm(x, layer.norm2.gamma, layer.norm2.beta);
      x = tf.add(x, this.dropout(this.feedForward(h2, layer.ffn), drop));
    }
    const memory = layerNorm(x, this.encoderNorm.gamma, this.encoderNorm.beta);
    return { memory: memory as tf.Tensor3D, srcPadMask };
  }

  /** Full decoder over tgt [N, T] -> final hidden states [N, T, D]. */
  private decodeFull(
    tgt: tf.Tensor2D,
    memory: tf.Tensor3D,
    srcPadMask: tf.Tensor2D,
    drop: DropoutContext | undefined,
  ): tf.Tensor3D {
    const { heads, padId } = this.config;
    const tgtPadMask = padMaskOf(tgt, padId) as tf.Tensor2D;
    let x: tf.Tensor = this.embed(tgt, 0, drop);
    for (const layer of this.decoderLayers) {
      const h = layerNorm(x, layer.norm1.gamma, layer.norm1.beta);
      const attn = selfAttention(this.qkvOf(h, layer.selfAttn), { heads, causal: true, keyPadding: tgtPadMask });
      x = tf.add(x, this.dropout(this.attnOut(attn, layer.selfAttn.wo, layer.selfAttn.bo), drop));
      x = tf.add(x, this.dropout(this.crossAttend(x, layer, this.memoryKv(memory, layer), srcPadMask), drop));
      const h3 = layerNorm(x, layer.norm3.gamma, layer.norm3.beta);
      x = tf.add(x, this.dropout(this.feedForward(h3, layer.ffn), drop));
    }
    return layerNorm(x, this.decoderNorm.gamma, this.decoderNorm.beta) as tf.Tensor3D;
  }

  /** The packed projection qkv [N, T, 3D] of pre-normed input h [N, T, D]. */
  private qkvOf(h: tf.Tensor, w: SelfAttentionWeights): tf.Tensor3D {
    const { dModel: d } = this.config;
    const [n, t] = h.shape as [number, number, number];
    const qkv = linear(tf.reshape(h, [n * t, d]) as tf.Tensor2D, w.wqkv as tf.Tensor2D, w.bqkv as tf.Tensor1D);
    return tf.reshape(qkv, [n, t, 3 * d]) as tf.Tensor3D;
  }

  /** Cross-attention keys and values of the memory [N, S, D], packed as [k | v]: [N, S, 2D]. */
  private memoryKv(memory: tf.Tensor3D, layer: DecoderLayerWeights): tf.Tensor3D {
    const { dModel: d } = this.config;
    const [n, s] = memory.shape;
    const kv = linear(tf.reshape(memory, [n * s, d]) as tf.Tensor2D, layer.crossAttn.wkv as tf.Tensor2D, layer.crossAttn.bkv as tf.Tensor1D);
    return tf.reshape(kv, [n, s, 2 * d]) as tf.Tensor3D;
  }

  /** Output projection of an attention result [N, T, D] (heads merged). */
  private attnOut(attn: tf.Tensor, wo: tf.Variable, bo: tf.Variable): tf.Tensor3D {
    const [n, t, d] = attn.shape as [number, number, number];
    return tf.reshape(linear(tf.reshape(attn, [n * t, d]) as tf.Tensor2D, wo as tf.Tensor2D, bo as tf.Tensor1D), [n, t, d]) as tf.Tensor3D;
  }

  /** Cross-attention branch (pre-LN applied here) over the memory's packed keys/values kv [N, S, 2D]. */
  private crossAttend(x: tf.Tensor, layer: DecoderLayerWeights, kv: tf.Tensor3D, srcPadMask: tf.Tensor2D): tf.Tensor3D {
    const { heads, dModel: d } = this.config;
    const [n, t] = x.shape as [number, number, number];
    const h = layerNorm(x, layer.norm2.gamma, layer.norm2.beta);
    const q = linear(tf.reshape(h, [n * t, d]) as tf.Tensor2D, layer.crossAttn.wq as tf.Tensor2D, layer.crossAttn.bq as tf.Tensor1D);
    const attn = crossAttention(tf.reshape(q, [n, t, d]), kv, { heads, keyPadding: srcPadMask });
    return this.attnOut(attn, layer.crossAttn.wo, layer.crossAttn.bo);
  }

  private feedForward(h: tf.Tensor, w: FeedForwardWeights): tf.Tensor3D {
    const { dModel: d } = this.config;
    const [n, t] = h.shape as [number, number, number];
    const h2d = tf.reshape(h, [n * t, d]) as tf.Tensor2D;
    const inner =
      this.config.activation === 'relu'
        ? linear(h2d, w.w1 as tf.Tensor2D, w.b1 as tf.Tensor1D, 'relu')
        : (gelu(linear(h2d, w.w1 as tf.Tensor2D, w.b1 as tf.Tensor1D)) as tf.Tensor2D);
    return tf.reshape(linear(inner, w.w2 as tf.Tensor2D, w.b2 as tf.Tensor1D), [n, t, d]) as tf.Tensor3D;
  }

  /** Tied output projection: h [N, T, D] -> logits [N, T, V]. */
  private project(h: tf.Tensor3D): tf.Tensor3D {
    const [n, t, d] = h.shape;
    const logits = tf.add(matMul(tf.reshape(h, [n * t, d]), this.embedding, false, true), this.outputBias);
    return tf.reshape(logits, [n, t, this.config.vocabSize]) as tf.Tensor3D;
  }

  private addVariable(name: string, shape: number[], init: 'zeros' | 'ones' | 'glorot' | 'embedding'): tf.Variable {
    const initial = tf.tidy(() => {
      switch (init) {
        case 'zeros':
          return tf.zeros(shape);
        case 'ones':
          return tf.ones(shape);
        case 'glorot': {
          const limit = Math.sqrt(6 / (shape[0] + shape[1]));
          return tf.randomUniform(shape, -limit, limit, 'float32', `${this.seed}/${name}`);
        }
        case 'embedding': {
          // std = dModel^-1/2 so that the √D-scaled embeddings have unit scale.
          const limit = Math.sqrt(3 / shape[1]);
          return tf.randomUniform(shape, -limit, limit, 'float32', `${this.seed}/${name}`);
        }
      }
    });
    // No tfjs-global name: several models (teacher, learner) may coexist.
    const v = tf.variable(initial, true);
    initial.dispose();
    this.variables.set(name, v);
    return v;
  }

  private addLayerNorm(prefix: string): LayerNormWeights {
    const d = this.config.dModel;
    return { gamma: this.addVariable(`${prefix}.gamma`, [d], 'ones'), beta: this.addVariable(`${prefix}.beta`, [d], 'zeros') };
  }

  private addSelfAttention(prefix: string): SelfAttentionWeights {
    const d = this.config.dModel;
    return {
      wqkv: this.addVariable(`${prefix}.wqkv`, [d, 3 * d], 'glorot'),
      bqkv: this.addVariable(`${prefix}.bqkv`, [3 * d], 'zeros'),
      wo: this.addVariable(`${prefix}.wo`, [d, d], 'glorot'),
      bo: this.addVariable(`${prefix}.bo`, [d], 'zeros'),
    };
  }

  private addFeedForward(prefix: string, d: number, f: number): FeedForwardWeights {
    return {
      w1: this.addVariable(`${prefix}.w1`, [d, f], 'glorot'),
      b1: this.addVariable(`${prefix}.b1`, [f], 'zeros'),
      w2: this.addVariable(`${prefix}.w2`, [f, d], 'glorot'),
      b2: this.addVariable(`${prefix}.b2`, [d], 'zeros'),
    };
  }
}

/** Frees an encoder state. */
export function disposeEncoderState(enc: EncoderState): void {
  enc.memory.dispose();
  enc.srcPadMask.dispose();
}

/** Frees every tensor of a decoder cache (self- and cross-attention state). */
export function disposeDecoderCache(cache: DecoderCache): void {
  for (const t of cache.selfKv) t.dispose();
  cache.selfPadMask?.dispose();
  for (const t of cache.crossKv) t.dispose();
  cache.crossPadMask.dispose();
}

/**
 * Reorders the rows of a cache (beam search: row r of the result continues row indices[r]).
 * The input cache is consumed. Self-attention state is gathered; cross-attention state is gathered too
 * unless `sameSource` (default true) says every index maps a row to a row of the same source sentence,
 * in which case the memory keys/values are identical and are moved over as they are.
 */
export function reorderDecoderCache(
  cache: DecoderCache,
  indices: ArrayLike<number>,
  options: { sameSource?: boolean } = {},
): DecoderCache {
  const sameSource = options.sameSource ?? true;
  const idx = tf.tensor1d(Array.from(indices), 'int32');
  const gather = <T extends tf.Tensor>(t: T): T => {
    const g = tf.gather(t, idx) as T;
    t.dispose();
    return g;
  };
  const next: DecoderCache = {
    step: cache.step,
    selfKv: cache.selfKv.map(gather),
    selfPadMask: cache.selfPadMask === undefined ? undefined : gather(cache.selfPadMask),
    crossKv: sameSource ? cache.crossKv : cache.crossKv.map(gather),
    crossPadMask: sameSource ? cache.crossPadMask : gather(cache.crossPadMask),
  };
  idx.dispose();
  return next;
}
