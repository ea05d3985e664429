import * as tf from '@tensorflow/tfjs';
import { createOptimizer, embeddingLookup, gelu, linear, Rng, sequenceNll, type WeightedModel } from '@kt/core';
import { valueKey } from '../lang/interpreter';
import { applicationSpine, type Callable, type Program } from '../lang/program';
import { argumentTypes, isArrow, returnType, TypeContext, type Type } from '../lang/types';
import { etaExpand, Grammar, ROOT_PARENT } from '../search/grammar';
import type { ProgramTask } from '../search/solve';

/** Character ids of printed example values (1…; 0 pads); output characters get ids of their own. */
export const CHAR_BUCKETS = 257;
/** Hash buckets for the words of a task's description. */
export const WORD_BUCKETS = 256;
/** Characters of one printed example ("inputs → output") the encoder reads. */
const MAX_EXAMPLE_CHARS = 48;

export interface RecognitionOptions {
  /** Embedding width (default 32). */
  readonly embedding?: number;
  /** Hidden width (default 64). */
  readonly hidden?: number;
  /** Read the task's description words when it has one (default true; LAPS conditions turn it off at test). */
  readonly useWords?: boolean;
}

/** One task as token ids: characters of each example (padded), and description word buckets. */
export interface EncodedTask {
  /** `[examples, MAX_EXAMPLE_CHARS]` character bucket ids, 0 = padding. */
  readonly chars: Int32Array;
  readonly examples: number;
  readonly words: Int32Array;
}

function hashString(s: string, buckets: number): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) % buckets;
}

/** The words of a description: lower-case runs of letters and digits. */
export function descriptionWords(text: string | undefined): string[] {
  return text === undefined ? [] : (text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
}

/** Tokenises a task for the recognition model (inputs and output printed by valueKey, one row per example). */
export function encodeTask(task: Pick<ProgramTask, 'examples' | 'description'>, useWords = true): EncodedTask {
  const examples = Math.max(1, task.examples.length);
  const chars = new Int32Array(examples * MAX_EXAMPLE_CHARS);
  task.examples.forEach((ex, e) => {
    const inputs = ex.inputs.map(valueKey).join(' ');
    const text = `${inputs}>${valueKey(ex.output)}`;
    for (let i = 0; i < Math.min(text.length, MAX_EXAMPLE_CHARS); i++) {
      chars[e * MAX_EXAMPLE_CHARS + i] = 1 + ((text.charCodeAt(i) % 128) + (i > inputs.length ? 128 : 0));
    }
  });
  const words = useWords ? Int32Array.from(descriptionWords(task.description), (w) => hashString(w, WORD_BUCKETS)) : new Int32Array(0);
  return { chars, examples, words };
}

/**
 * The choice points of `program` (η-long, as the enumerator derives it) with the choices that were open at each:
 * `chosen` is the production index (or `variableIndex`), `open` the indices whose type fitted. Undefined when the
 * grammar cannot derive the program.
 */
export function choicePoints(grammar: Grammar, request: Type, program: Program): { chosen: number; open: number[] }[] | undefined {
  const ctx = new TypeContext(1000);
  const points: { chosen: number; open: number[] }[] = [];
  const walk = (env: readonly Type[], req0: Type, p0: Program, parent: number, arg: number): boolean => {
    let req = ctx.apply(req0);
    let p = p0;
    let e = env;
    while (isArrow(req)) {
      if (p.kind !== 'lambda') p = etaExpand(p);
      e = [req.args[0]!, ...e];
      p = (p as { body: Program }).body;
      req = ctx.apply(req.args[1]!);
    }
    if (p.kind === 'lambda') return false;
    const { head, args } = applicationSpine(p);
    const cands = grammar.candidates(ctx, e, req, parent, arg);
    let chosen: number | undefined;
    if (head.kind === 'index') chosen = cands.some((c) => c.variable === head.i) ? grammar.variableIndex : undefined;
    else if (head.kind === 'primitive' || head.kind === 'invented') {
      const i = grammar.indexOf(head);
      chosen = i !== undefined && cands.some((c) => c.choice === i && c.variable === undefined) ? i : undefined;
    }
    if (chosen === undefined) return false;
    const t = head.kind === 'index' ? ctx.apply(e[head.i]!) : ctx.instantiate((head as Callable).type);
    if (!ctx.unify(returnType(t), req)) return false;
    const argTypes = argumentTypes(ctx.apply(t));
    if (argTypes.length !== args.length) return false;
    points.push({ chosen, open: [...new Set(cands.map((c) => c.choice))] });
    for (let k = 0; k < args.length; k++) if (!walk(e, argTypes[k]!, args[k]!, chosen, k)) return false;
    return true;
  };
  return walk([], ctx.instantiate(request), program, ROOT_PARENT, 0) ? points : undefined;
}

/** A training pair: a task and programs that solve it (found by search, or the dream it was made from). */
export interface RecognitionExample {
  readonly task: Pick<ProgramTask, 'request' | 'examples' | 'description'>;
  readonly programs: readonly Program[];
}

/** A training pair ready for {@link RecognitionModel.lossOf}: the task's encoding and its programs' choice points. */
export interface PreparedExample {
  readonly encoded: EncodedTask;
  readonly derivations: readonly { chosen: number; open: number[] }[][];
}

export interface RecognitionTrainOptions {
  readonly steps: number;
  readonly lr?: number;
  readonly batchSize?: number;
  /** Seeds the batch order. */
  readonly seed: number;
}

/**
 * The recognition model: a task's examples (characters of each printed example, embedded and sum-pooled per
 * example, through a GELU layer, then mean-pooled over examples) plus its description words (embedded,
 * mean-pooled) → unigram log-weights over the grammar's productions and "variable". In kt's terms it is the
 * learner, and the search the teacher: trained to maximise the log-likelihood of the programs search found (or
 * the dreams were sampled as), i.e. to minimise forward KL from the search posterior over each task's frontier to
 * the predicted grammar (per choice point: cross-entropy, core's sequenceNll, over the choices whose type fits).
 */
export class RecognitionModel implements WeightedModel {
  private readonly vars: Map<string, tf.Variable>;
  readonly embedding: number;
  readonly hidden: number;
  readonly useWords: boolean;

  constructor(
    /** Number of grammar choices: productions + 1 (variable). */
    readonly outputs: number,
    rng: Rng,
    options: RecognitionOptions = {},
  ) {
    this.embedding = options.embedding ?? 32;
    this.hidden = options.hidden ?? 64;
    this.useWords = options.useWords ?? true;
    const e = this.embedding;
    const h = this.hidden;
    const init = (shape: number[], scale: number): tf.Variable => tf.tidy(() => tf.variable(tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1), scale), shape)));
    const zeros = (n: number): tf.Variable => tf.tidy(() => tf.variable(tf.zeros([n])));
    this.vars = new Map<string, tf.Variable>([
      ['chars', init([CHAR_BUCKETS, e], 0.3)],
      ['words', init([WORD_BUCKETS, e], 0.3)],
      ['w1', init([e, h], 1 / Math.sqrt(e))],
      ['b1', zeros(h)],
      ['w2', init([h + e, h], 1 / Math.sqrt(h + e))],
      ['b2', zeros(h)],
      ['wo', init([h, outputs], 0.01)],
      ['bo', zeros(outputs)],
    ]);
  }

  private v(name: string): tf.Variable {
    return this.vars.get(name)!;
  }

  /**
   * Unnormalised log-weights `[tasks, outputs]` for encoded tasks. All examples of all tasks go through the
   * layers as one batch; per-task pooling is a product with a `[tasks, examples]` averaging matrix.
   */
  logits(tasks: readonly EncodedTask[]): tf.Tensor2D {
    const totalExamples = tasks.reduce((n, t) => n + t.examples, 0);
    const chars = new Int32Array(totalExamples * MAX_EXAMPLE_CHARS);
    const pool = new Float32Array(tasks.length * totalExamples);
    const bag = new Float32Array(tasks.length * WORD_BUCKETS);
    let row = 0;
    tasks.forEach((t, i) => {
      chars.set(t.chars, row * MAX_EXAMPLE_CHARS);
      for (let e = 0; e < t.examples; e++) pool[i * totalExamples + row + e] = 1 / t.examples;
      row += t.examples;
      if (this.useWords) for (const w of t.words) bag[i * WORD_BUCKETS + w] += 1 / t.words.length;
    });
    return tf.tidy(() => {
      const ids = tf.tensor2d(chars, [totalExamples, MAX_EXAMPLE_CHARS], 'int32');
      const mask = tf.cast(tf.greater(ids, 0), 'float32').expandDims(-1);
      const emb = tf.mul(embeddingLookup(this.v('chars'), ids), mask);
      // Sum-pooled (scaled): how many characters of each kind an example has is the signal (e.g. output length).
      const pooled = tf.mul(tf.sum(emb, 1), 1 / 8);
      const perExample = gelu(linear(pooled, this.v('w1'), this.v('b1')));
      const examples = tf.matMul(tf.tensor2d(pool, [tasks.length, totalExamples]), perExample as tf.Tensor2D);
      const words = tf.matMul(tf.tensor2d(bag, [tasks.length, WORD_BUCKETS]), this.v('words') as tf.Tensor2D);
      const h = gelu(linear(tf.concat([examples, words], 1), this.v('w2'), this.v('b2')));
      return linear(h, this.v('wo'), this.v('bo')) as tf.Tensor2D;
    });
  }

  /** The grammar the model predicts for `task`: `base`'s productions with predicted unigram weights. */
  predictGrammar(base: Grammar, task: Pick<ProgramTask, 'examples' | 'description'>): Grammar {
    if (base.productions.length + 1 !== this.outputs) throw new Error(`recognition: model has ${this.outputs} outputs, grammar has ${base.productions.length + 1} choices`);
    const w = tf.tidy(() => this.logits([encodeTask(task, this.useWords)]).dataSync());
    return new Grammar(base.productions, Array.from(w));
  }

  /**
   * Mean negative log-likelihood per choice point of the examples' programs under the predicted grammars (each
   * choice normalised over the choices open there). Programs `grammar` cannot derive are skipped.
   */
  loss(grammar: Grammar, examples: readonly RecognitionExample[]): tf.Scalar | undefined {
    return this.lossOf(examples.map((ex) => this.prepare(grammar, ex)).filter((p) => p !== undefined));
  }

  /** An example's encoding and its programs' choice points (computed once per training run); undefined when no program derives. */
  prepare(grammar: Grammar, ex: RecognitionExample): PreparedExample | undefined {
    const derivations = ex.programs.map((p) => choicePoints(grammar, ex.task.request, p)).filter((d) => d !== undefined);
    return derivations.length === 0 ? undefined : { encoded: encodeTask(ex.task, this.useWords), derivations };
  }

  /** The loss of one minibatch of prepared examples (what {@link train} minimises each step); undefined when it has no choice point. */
  lossOf(examples: readonly PreparedExample[]): tf.Scalar | undefined {
    const taskOf: number[] = [];
    const masks: number[] = [];
    const targets: number[] = [];
    const weights: number[] = [];
    const encoded: EncodedTask[] = [];
    for (const { encoded: enc, derivations } of examples) {
      const t = encoded.length;
      encoded.push(enc);
      for (const points of derivations) {
        for (const pt of points) {
          taskOf.push(t);
          targets.push(pt.chosen);
          weights.push(1 / derivations.length);
          const row = new Array<number>(this.outputs).fill(-1e4);
          for (const c of pt.open) row[c] = 0;
          masks.push(...row);
        }
      }
    }
    if (targets.length === 0) return undefined;
    return tf.tidy(() => {
      const logits = this.logits(encoded);
      const rows = tf.gather(logits, tf.tensor1d(taskOf, 'int32'));
      const masked = tf.add(rows, tf.tensor2d(masks, [targets.length, this.outputs]));
      const nll = sequenceNll(masked, tf.tensor1d(targets, 'int32'), undefined, { reduction: 'none' });
      const w = tf.tensor1d(weights);
      return tf.div(tf.sum(tf.mul(nll, w)), tf.sum(w)) as tf.Scalar;
    });
  }

  /** Adam on `loss` over minibatches of `examples`; returns the loss of each step. */
  train(grammar: Grammar, examples: readonly RecognitionExample[], options: RecognitionTrainOptions): number[] {
    const optimizer = createOptimizer({ optimizer: 'adam', lr: options.lr ?? 0.01 });
    const rng = Rng.derive(options.seed, 0x7ec0);
    const prepared = examples.map((ex) => this.prepare(grammar, ex)).filter((p) => p !== undefined);
    const batch = Math.min(options.batchSize ?? 16, prepared.length);
    const losses: number[] = [];
    let order: number[] = [];
    try {
      for (let s = 0; s < options.steps && prepared.length > 0; s++) {
        if (order.length < batch) order = rng.permutation(prepared.length);
        const pick = order.splice(0, batch).map((i) => prepared[i]!);
        const value = optimizer.minimize(() => this.lossOf(pick) ?? tf.scalar(0), true, this.trainableVariables());
        if (value) {
          losses.push(value.dataSync()[0]!);
          value.dispose();
        }
      }
    } finally {
      optimizer.dispose();
    }
    return losses;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  getWeights(): Map<string, tf.Tensor> {
    return new Map([...this.vars].map(([k, v]) => [k, v.clone()] as const));
  }

  setWeights(weights: Map<string, tf.Tensor>): void {
    for (const [key, variable] of this.vars) {
      const value = weights.get(key);
      if (value === undefined) throw new Error(`no weight "${key}" to set`);
      if (!tf.util.arraysEqual(value.shape, variable.shape)) throw new Error(`weight "${key}" has shape [${value.shape.join(', ')}], expected [${variable.shape.join(', ')}]`);
      variable.assign(value);
    }
  }

  parameterCount(): number {
    return [...this.vars.values()].reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
  }
}
