import * as tf from '@tensorflow/tfjs';
import { createOptimizer, embeddingLookup, gelu, linear, Rng, sequenceNll, type WeightedModel } from '@kt/core';
import { valueKey } from '../lang/interpreter';
import type { Program } from '../lang/program';
import { argumentTypes } from '../lang/types';
import { bigramKey, derive, Grammar, ROOT_PARENT } from '../search/grammar';
import type { ProgramTask } from '../search/solve';

/** Character ids of printed example values (1…; 0 pads); output characters get ids of their own. */
export const CHAR_BUCKETS = 257;
/** Hash buckets for the words of a task's description. */
export const WORD_BUCKETS = 256;
/** Characters of one printed example ("inputs → output") the encoder reads. */
export const MAX_EXAMPLE_CHARS = 48;

export interface RecognitionOptions {
  /** Embedding width (default 32). */
  readonly embedding?: number;
  /** Hidden width (default 64). */
  readonly hidden?: number;
  /** Read the task's description words when it has one (default true; LAPS conditions turn it off at test). */
  readonly useWords?: boolean;
  /** Predict parent-conditioned (bigram) offsets too, not only unigram weights (default true). */
  readonly bigram?: boolean;
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

/** A training pair: a task and programs that solve it (found by search, or the dream it was made from). */
export interface RecognitionExample {
  readonly task: Pick<ProgramTask, 'request' | 'examples' | 'description'>;
  readonly programs: readonly Program[];
}

/** One choice point of a derivation as the model sees it: its context row, the chosen output and the open outputs. */
export interface ChoicePoint {
  /** Row of the context table: (parent, argument index), see `RecognitionModel.contextIndex`. */
  readonly context: number;
  readonly chosen: number;
  readonly open: readonly number[];
}

/** An example ready for training: its encoding and, per program the grammar derives, its choice points. */
export interface PreparedExample {
  readonly encoded: EncodedTask;
  readonly derivations: readonly (readonly ChoicePoint[])[];
}

/** The choice points of a batch as tensors (call inside `tf.tidy`, or dispose them). */
export interface ChoiceBatch {
  /** The model's log-weights at each choice point (unigram + bigram offset), closed choices at −1e4: `[points, outputs]`. */
  readonly logits: tf.Tensor2D;
  /** The chosen output of each point. */
  readonly targets: tf.Tensor1D;
  /** Each point's weight: 1 / (programs of its task), so every task counts once. */
  readonly weights: tf.Tensor1D;
  /**
   * The search posterior at each point as log-probabilities: the chosen output with 1 − smoothing, the rest of the
   * open choices share `smoothing` (a finite target for backward KL), closed ones −1e4.
   */
  readonly teacherLogits: tf.Tensor2D;
}

/** Log-weight given to a choice that is not open at a point (−∞ in exact arithmetic; finite keeps gradients clean). */
export const CLOSED = -1e4;

/** The encoder's input for a batch of tasks as dense arrays (what `RecognitionModel` turns into tensors). */
export interface TaskBatchArrays {
  readonly tasks: number;
  /** Examples of all tasks, task after task. */
  readonly examples: number;
  /** `[examples, MAX_EXAMPLE_CHARS]` character bucket ids, 0 = padding. */
  readonly chars: Int32Array;
  /** `[tasks, examples]`: row i averages the examples of task i (1 / its example count on them, 0 elsewhere). */
  readonly pool: Float32Array;
  /** `[tasks, WORD_BUCKETS]`: each task's description words as a bag of buckets averaged over its words (zeros without `useWords`). */
  readonly bag: Float32Array;
}

/** The choice points of a batch as dense arrays (see `ChoiceBatch` for what each means). */
export interface ChoiceBatchArrays extends TaskBatchArrays {
  readonly points: number;
  /** Grammar choices the model predicts (the width of `masks` and `teacher`). */
  readonly outputs: number;
  /** The task (row of `pool` and `bag`) of each point. */
  readonly taskOf: Int32Array;
  /** The context row of each point. */
  readonly contexts: Int32Array;
  readonly targets: Int32Array;
  /** 1 / (programs of the point's task). */
  readonly weights: Float32Array;
  /** `[points, outputs]`: 0 where a choice is open, CLOSED elsewhere. */
  readonly masks: Float32Array;
  /** `[points, outputs]`: the search posterior's log-probabilities, smoothed (see `ChoiceBatch.teacherLogits`). */
  readonly teacher: Float32Array;
}

/** Encoded tasks as the encoder's dense input (all examples of all tasks in one batch). */
export function taskBatchArrays(tasks: readonly EncodedTask[], useWords: boolean): TaskBatchArrays {
  const examples = tasks.reduce((n, t) => n + t.examples, 0);
  const chars = new Int32Array(examples * MAX_EXAMPLE_CHARS);
  const pool = new Float32Array(tasks.length * examples);
  const bag = new Float32Array(tasks.length * WORD_BUCKETS);
  let row = 0;
  tasks.forEach((t, i) => {
    chars.set(t.chars, row * MAX_EXAMPLE_CHARS);
    for (let e = 0; e < t.examples; e++) pool[i * examples + row + e] = 1 / t.examples;
    row += t.examples;
    if (useWords) for (const w of t.words) bag[i * WORD_BUCKETS + w] += 1 / t.words.length;
  });
  return { tasks: tasks.length, examples, chars, pool, bag };
}

/**
 * The batch layout of `RecognitionModel.choiceBatch` as dense arrays: the encoder's input (`taskBatchArrays`) and,
 * per choice point of every derivation of every example, its task, context, target, weight, open-choice mask and
 * smoothed search posterior over `outputs` choices. Undefined when the examples have no choice point.
 */
export function choiceBatchArrays(examples: readonly PreparedExample[], outputs: number, options: { readonly useWords: boolean; readonly smoothing?: number }): ChoiceBatchArrays | undefined {
  const smoothing = options.smoothing ?? 0;
  const points = examples.reduce((n, ex) => n + ex.derivations.reduce((m, d) => m + d.length, 0), 0);
  if (points === 0) return undefined;
  const taskOf = new Int32Array(points);
  const contexts = new Int32Array(points);
  const targets = new Int32Array(points);
  const weights = new Float32Array(points);
  const masks = new Float32Array(points * outputs).fill(CLOSED);
  const teacher = new Float32Array(points * outputs).fill(CLOSED);
  let n = 0;
  examples.forEach(({ derivations }, t) => {
    for (const d of derivations) {
      for (const pt of d) {
        taskOf[n] = t;
        contexts[n] = pt.context;
        targets[n] = pt.chosen;
        weights[n] = 1 / derivations.length;
        const others = pt.open.length - 1;
        for (const c of pt.open) {
          masks[n * outputs + c] = 0;
          if (c === pt.chosen) teacher[n * outputs + c] = others === 0 ? 0 : Math.log(1 - smoothing);
          else if (smoothing > 0) teacher[n * outputs + c] = Math.log(smoothing / others);
        }
        n++;
      }
    }
  });
  return { ...taskBatchArrays(examples.map((ex) => ex.encoded), options.useWords), points, outputs, taskOf, contexts, targets, weights, masks, teacher };
}
/** Argument positions with a context row of their own; later ones share the last (no production takes that many). */
export const MAX_ARGUMENTS = 8;

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
 * mean-pooled) → a hidden state h, and from it a grammar for the task: unigram log-weights over the
 * productions and "variable", and (with `bigram`, the default) parent-conditioned offsets — DreamCoder's
 * "contextual" model — for each (parent, argument index) context c: (h ⊙ e_c)·W_b, a low-rank form of one
 * output layer per context. In kt's terms it is the learner, and the search the teacher: trained on the
 * programs search found (or the dreams were sampled as), per choice point over the choices whose type fits.
 *
 * `outputs` is the number of grammar choices it can predict: production i is output i, the variable is the last
 * output; a grammar with fewer productions (a library that will grow) leaves the outputs between unused.
 */
export class RecognitionModel implements WeightedModel {
  private readonly vars: Map<string, tf.Variable>;
  readonly embedding: number;
  readonly hidden: number;
  readonly useWords: boolean;
  readonly bigram: boolean;

  constructor(
    /** Number of grammar choices it can predict: productions (up to outputs − 1) + 1 (variable). */
    readonly outputs: number,
    rng: Rng,
    options: RecognitionOptions = {},
  ) {
    this.embedding = options.embedding ?? 32;
    this.hidden = options.hidden ?? 64;
    this.useWords = options.useWords ?? true;
    this.bigram = options.bigram ?? true;
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
    if (this.bigram) {
      this.vars.set('contexts', init([this.contextCount, h], 1));
      this.vars.set('wb', init([h, outputs], 0.01));
    }
  }

  private v(name: string): tf.Variable {
    return this.vars.get(name)!;
  }

  /** Rows of the context table: parents ROOT, each production output and the variable, times MAX_ARGUMENTS. */
  get contextCount(): number {
    return (this.outputs + 1) * MAX_ARGUMENTS;
  }

  /** The output of grammar choice `choice` (a production index or `grammar.variableIndex`). */
  outputOf(grammar: Grammar, choice: number): number {
    return choice === grammar.variableIndex ? this.outputs - 1 : choice;
  }

  /** The context row of argument `arg` of `parent` (a production index, `grammar.variableIndex` or ROOT_PARENT). */
  contextIndex(grammar: Grammar, parent: number, arg: number): number {
    const row = parent === ROOT_PARENT ? 0 : 1 + this.outputOf(grammar, parent);
    return row * MAX_ARGUMENTS + Math.min(arg, MAX_ARGUMENTS - 1);
  }

  private checkFits(grammar: Grammar): void {
    if (grammar.productions.length + 1 > this.outputs) {
      throw new Error(`recognition: the model predicts ${this.outputs - 1} productions, the grammar has ${grammar.productions.length}`);
    }
  }

  /** The hidden state `[tasks, hidden]` of a batch of tasks (all examples of all tasks go through the layers as one batch). */
  private hiddenState({ tasks, examples: totalExamples, chars, pool, bag }: TaskBatchArrays): tf.Tensor2D {
    return tf.tidy(() => {
      const ids = tf.tensor2d(chars, [totalExamples, MAX_EXAMPLE_CHARS], 'int32');
      const mask = tf.cast(tf.greater(ids, 0), 'float32').expandDims(-1);
      const emb = tf.mul(embeddingLookup(this.v('chars'), ids), mask);
      // Sum-pooled (scaled): how many characters of each kind an example has is the signal (e.g. output length).
      const pooled = tf.mul(tf.sum(emb, 1), 1 / 8);
      const perExample = gelu(linear(pooled, this.v('w1'), this.v('b1')));
      const examples = tf.matMul(tf.tensor2d(pool, [tasks, totalExamples]), perExample as tf.Tensor2D);
      const words = tf.matMul(tf.tensor2d(bag, [tasks, WORD_BUCKETS]), this.v('words') as tf.Tensor2D);
      return gelu(linear(tf.concat([examples, words], 1), this.v('w2'), this.v('b2'))) as tf.Tensor2D;
    });
  }

  /** Unigram log-weights `[tasks, outputs]` for encoded tasks. */
  logits(tasks: readonly EncodedTask[]): tf.Tensor2D {
    return tf.tidy(() => linear(this.hiddenState(taskBatchArrays(tasks, this.useWords)), this.v('wo'), this.v('bo')) as tf.Tensor2D);
  }

  /** Bigram offsets `[rows, outputs]` of hidden states `h` `[rows, hidden]` in contexts `contexts` (one per row). */
  private offsets(h: tf.Tensor2D, contexts: tf.Tensor1D): tf.Tensor2D {
    return tf.matMul(tf.mul(h, tf.gather(this.v('contexts'), contexts)), this.v('wb') as tf.Tensor2D);
  }

  /**
   * The grammar the model predicts for `task`: `base`'s productions with predicted unigram weights and, with
   * `bigram`, an offset vector for every (parent, argument) context the grammar's productions (and ROOT, and a
   * variable applied to arguments) can open.
   */
  predictGrammar(base: Grammar, task: Pick<ProgramTask, 'examples' | 'description'>): Grammar {
    this.checkFits(base);
    const n = base.productions.length;
    const pick = (row: ArrayLike<number>, offset: number): number[] => [...Array.from({ length: n }, (_, i) => row[offset + i]!), row[offset + this.outputs - 1]!];
    const contexts: { key: string; row: number }[] = [];
    if (this.bigram) {
      const add = (parent: number, arity: number): void => {
        for (let a = 0; a < arity; a++) contexts.push({ key: bigramKey(parent, a), row: this.contextIndex(base, parent, a) });
      };
      add(ROOT_PARENT, 1);
      base.productions.forEach((p, i) => add(i, argumentTypes(p.type).length));
      add(base.variableIndex, MAX_ARGUMENTS);
    }
    const { unigram, offsets } = tf.tidy(() => {
      const h = this.hiddenState(taskBatchArrays([encodeTask(task, this.useWords)], this.useWords));
      const u = linear(h, this.v('wo'), this.v('bo')).dataSync();
      if (contexts.length === 0) return { unigram: u, offsets: undefined };
      const rows = tf.tensor1d(contexts.map((c) => c.row), 'int32');
      const o = this.offsets(tf.tile(h, [contexts.length, 1]) as tf.Tensor2D, rows).dataSync();
      return { unigram: u, offsets: o };
    });
    const bigram = new Map<string, number[]>();
    if (offsets !== undefined) contexts.forEach((c, k) => bigram.set(c.key, pick(offsets, k * this.outputs)));
    return new Grammar(base.productions, pick(unigram, 0), bigram);
  }

  /**
   * An example's encoding and its programs' choice points under `grammar` (core of a training set: computed once
   * per grammar). Undefined when the grammar derives none of its programs.
   */
  prepare(grammar: Grammar, ex: RecognitionExample): PreparedExample | undefined {
    this.checkFits(grammar);
    const derivations: ChoicePoint[][] = [];
    for (const p of ex.programs) {
      const d = derive(grammar, ex.task.request, p, true);
      if (d === undefined) continue;
      derivations.push(
        d.uses.map((u) => ({ context: this.contextIndex(grammar, u.parent, u.arg), chosen: this.outputOf(grammar, u.choice), open: u.open!.map((c) => this.outputOf(grammar, c)) })),
      );
    }
    return derivations.length === 0 ? undefined : { encoded: encodeTask(ex.task, this.useWords), derivations };
  }

  /** The choice points of `examples` as tensors, with the search posterior smoothed by `smoothing` (see ChoiceBatch). */
  choiceBatch(examples: readonly PreparedExample[], smoothing = 0): ChoiceBatch | undefined {
    const a = choiceBatchArrays(examples, this.outputs, { useWords: this.useWords, smoothing });
    if (a === undefined) return undefined;
    return tf.tidy(() => {
      const h = this.hiddenState(a);
      const taskOf = tf.tensor1d(a.taskOf, 'int32');
      let logits = tf.gather(linear(h, this.v('wo'), this.v('bo')), taskOf);
      if (this.bigram) logits = tf.add(logits, this.offsets(tf.gather(h, taskOf) as tf.Tensor2D, tf.tensor1d(a.contexts, 'int32')));
      return {
        logits: tf.add(logits, tf.tensor2d(a.masks, [a.points, a.outputs])) as tf.Tensor2D,
        targets: tf.tensor1d(a.targets, 'int32'),
        weights: tf.tensor1d(a.weights),
        teacherLogits: tf.tensor2d(a.teacher, [a.points, a.outputs]),
      };
    });
  }

  /**
   * Mean negative log-likelihood per choice point of the examples' programs under the predicted grammars (each
   * choice normalised over the choices open there; every task weighs 1). Programs `grammar` cannot derive are skipped.
   */
  loss(grammar: Grammar, examples: readonly RecognitionExample[]): tf.Scalar | undefined {
    return this.nll(examples.map((ex) => this.prepare(grammar, ex)).filter((p) => p !== undefined));
  }

  /** The weighted NLL of prepared examples (forward KL to the one-hot search posterior, up to its entropy 0). */
  nll(examples: readonly PreparedExample[]): tf.Scalar | undefined {
    const batch = this.choiceBatch(examples);
    if (batch === undefined) return undefined;
    return tf.tidy(() => {
      const nll = sequenceNll(batch.logits, batch.targets, undefined, { reduction: 'none' });
      const out = tf.div(tf.sum(tf.mul(nll, batch.weights)), tf.sum(batch.weights)) as tf.Scalar;
      tf.dispose([batch.logits, batch.targets, batch.weights, batch.teacherLogits]);
      return out;
    });
  }

  /** Adam on the NLL over minibatches of `examples`; returns the loss of each step. */
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
        const value = optimizer.minimize(() => this.nll(pick) ?? tf.scalar(0), true, this.trainableVariables());
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
