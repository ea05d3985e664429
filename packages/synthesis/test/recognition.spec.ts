import * as tf from '@tensorflow/tfjs';
import { Rng } from '@kt/core';
import { useBackend } from '@kt/core/testing';
import { CLOSED, choiceBatchArrays, descriptionWords, encodeTask, MAX_EXAMPLE_CHARS, RecognitionModel, WORD_BUCKETS, type RecognitionExample } from '../src/recognition/recognition-model';
import { bigramKey, derive, Grammar, listPrimitives, parseProgram, parseType, ROOT_PARENT, runProgram, type ProgramTask } from '../src';

const grammar = Grammar.uniform(listPrimitives().filter((p) => ['map', 'fold', 'cons', 'car', 'cdr', 'empty', '+', '0', '1', 'sum', 'length', 'reverse'].includes(p.name)));
const REQUEST = parseType('list(int) -> int');
const SUM = parseProgram('(lambda (sum $0))');
const LENGTH = parseProgram('(lambda (length $0))');
const CAR = parseProgram('(lambda (car $0))');

/** A task whose examples are `program` run on seeded random lists of 5…9 (first elements 5…9, lengths 1…4). */
function taskFor(program: typeof SUM, seed: number, description?: string): ProgramTask {
  const rng = Rng.fromSeed(seed);
  const examples = Array.from({ length: 5 }, () => {
    const input = Array.from({ length: 1 + rng.int(4) }, () => 5 + rng.int(5));
    return { inputs: [input], output: runProgram(program, [input]) };
  });
  return { name: `t${seed}`, request: REQUEST, examples, description };
}

const indexOf = (g: Grammar, name: string): number => g.productions.findIndex((p) => p.kind === 'primitive' && p.name === name);

/** P(name) among {name, other} at argument `arg` of `parent` (ROOT by default) under the grammar's weights. */
function probabilityOf(g: Grammar, name: string, other = name === 'sum' ? 'length' : 'sum', parent = ROOT_PARENT, arg = 0): number {
  return 1 / (1 + Math.exp(g.weight(parent, arg, indexOf(g, other)) - g.weight(parent, arg, indexOf(g, name))));
}

// kt's training backend (wasm + native kernels): tfjs's plain CPU backend takes minutes for these few hundred steps.
useBackend('wasm');

describe('recognition model', () => {
  it('lists the choices open at each choice point (derive), and maps them to its outputs and contexts', () => {
    const points = derive(grammar, REQUEST, SUM, true)!.uses;
    expect(points).toHaveLength(2);
    expect(points[0]!.choice).toBe(indexOf(grammar, 'sum'));
    expect(points[0]!.open).toContain(indexOf(grammar, 'length'));
    expect(points[0]!.open).not.toContain(indexOf(grammar, 'reverse'));
    expect(points[1]!.choice).toBe(grammar.variableIndex);
    expect(derive(grammar, REQUEST, parseProgram('(lambda (reverse $0))'), true)).toBeUndefined();
    // A model with room for a larger library: the variable is its last output, each (parent, argument) a context row.
    const model = new RecognitionModel(grammar.productions.length + 4, Rng.fromSeed(1));
    try {
      const prepared = model.prepare(grammar, { task: taskFor(SUM, 1), programs: [SUM] })!;
      const [root, leaf] = prepared.derivations[0]!;
      expect(root).toEqual({ context: model.contextIndex(grammar, ROOT_PARENT, 0), chosen: indexOf(grammar, 'sum'), open: points[0]!.open });
      expect(leaf!.chosen).toBe(model.outputs - 1);
      expect(leaf!.context).toBe(model.contextIndex(grammar, indexOf(grammar, 'sum'), 0));
      expect(model.prepare(grammar, { task: taskFor(SUM, 1), programs: [parseProgram('(lambda (reverse $0))')] })).toBeUndefined();
      const predicted = model.predictGrammar(grammar, taskFor(SUM, 2));
      expect(predicted.unigram).toHaveLength(grammar.productions.length + 1);
      expect(predicted.bigram.get(bigramKey(indexOf(grammar, '+'), 1))).toHaveLength(grammar.productions.length + 1);
      expect(predicted.bigram.has(bigramKey(indexOf(grammar, '+'), 2))).toBe(false);
    } finally {
      model.dispose();
    }
  });

  it('choiceBatchArrays: the batch layout choiceBatch turns into tensors (the bench and its PyTorch reference read it)', () => {
    const model = new RecognitionModel(grammar.productions.length + 1, Rng.fromSeed(3));
    try {
      const a = model.prepare(grammar, { task: taskFor(SUM, 1, 'add them up'), programs: [SUM, parseProgram('(lambda (fold $0 0 (lambda (lambda (+ $0 $1)))))')] })!;
      const b = model.prepare(grammar, { task: taskFor(LENGTH, 2), programs: [LENGTH] })!;
      const arrays = choiceBatchArrays([a, b], model.outputs, { useWords: true, smoothing: 0.1 })!;
      const points = [a, b].flatMap((p) => p.derivations.flat());
      expect(arrays.points).toBe(points.length);
      expect([arrays.tasks, arrays.examples, arrays.chars.length]).toEqual([2, 10, 10 * MAX_EXAMPLE_CHARS]);
      expect(Array.from(arrays.chars.subarray(0, 5 * MAX_EXAMPLE_CHARS))).toEqual(Array.from(a.encoded.chars));
      // Each task's row of `pool` averages its own 5 examples; only the described task has words.
      expect(Array.from(arrays.pool.subarray(0, 10)).map((x) => x.toFixed(2))).toEqual([...Array(5).fill('0.20'), ...Array(5).fill('0.00')]);
      expect(arrays.bag.subarray(0, WORD_BUCKETS).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
      expect(arrays.bag.subarray(WORD_BUCKETS).every((x) => x === 0)).toBe(true);
      const pa = a.derivations.flat().length;
      expect(Array.from(arrays.taskOf)).toEqual(points.map((_p, i) => (i < pa ? 0 : 1)));
      expect(Array.from(arrays.weights)).toEqual(points.map((_p, i) => (i < pa ? 0.5 : 1)));
      points.forEach((pt, i) => {
        const row = (x: Float32Array): number[] => Array.from(x.subarray(i * model.outputs, (i + 1) * model.outputs));
        expect(row(arrays.masks).map((m, c) => (m === 0) === pt.open.includes(c))).toEqual(Array(model.outputs).fill(true));
        const others = pt.open.length - 1;
        const expected = row(arrays.masks).map((_m, c) => (!pt.open.includes(c) ? CLOSED : c === pt.chosen ? (others === 0 ? 0 : Math.log(0.9)) : Math.log(0.1 / others)));
        row(arrays.teacher).forEach((q, c) => expect(q).toBeCloseTo(expected[c]!, 5));
      });
      // choiceBatch is these arrays as tensors.
      const batch = model.choiceBatch([a, b], 0.1)!;
      expect(Array.from(batch.targets.dataSync())).toEqual(Array.from(arrays.targets));
      expect(Array.from(batch.weights.dataSync())).toEqual(Array.from(arrays.weights));
      expect(Array.from(batch.teacherLogits.dataSync())).toEqual(Array.from(arrays.teacher));
      tf.dispose([batch.logits, batch.targets, batch.weights, batch.teacherLogits]);
      expect(choiceBatchArrays([], model.outputs, { useWords: true })).toBeUndefined();
    } finally {
      model.dispose();
    }
  });

  it('bigram head: predicts parent-conditioned weights that a unigram model cannot express', () => {
    // (+ (sum xs) (length xs)): at the root `+`, in its first argument `sum`, in its second `length` — all three
    // are open at each of these points, so unigram weights can give each at most about 1/3.
    const program = parseProgram('(lambda (+ (sum $0) (length $0)))');
    const train: RecognitionExample[] = Array.from({ length: 12 }, (_, s) => ({ task: taskFor(program, s), programs: [program] }));
    const logPrior = (bigram: boolean): number => {
      const model = new RecognitionModel(grammar.productions.length + 1, Rng.fromSeed(7), { bigram, useWords: false });
      try {
        model.train(grammar, train, { steps: 150, lr: 0.05, batchSize: 6, seed: 2 });
        const predicted = model.predictGrammar(grammar, taskFor(program, 99));
        if (bigram) {
          const plus = indexOf(grammar, '+');
          expect(probabilityOf(predicted, 'sum', 'length', plus, 0)).toBeGreaterThan(0.8);
          expect(probabilityOf(predicted, 'length', 'sum', plus, 1)).toBeGreaterThan(0.8);
        } else expect(predicted.bigram.size).toBe(0);
        return derive(predicted, REQUEST, program)!.logProb;
      } finally {
        model.dispose();
      }
    };
    const unigram = logPrior(false);
    const contextual = logPrior(true);
    expect(unigram).toBeLessThan(-3 * Math.log(3) + 0.2);
    expect(contextual).toBeGreaterThan(unigram + 1.5);
  });

  it('encodes examples as character buckets and descriptions as words', () => {
    const enc = encodeTask(taskFor(SUM, 1, 'Add up the list!'));
    expect(enc.examples).toBe(5);
    expect(enc.words).toHaveLength(4);
    expect(descriptionWords('Add up the list!')).toEqual(['add', 'up', 'the', 'list']);
    expect(encodeTask(taskFor(SUM, 1, 'x'), false).words).toHaveLength(0);
  });

  it('learns which primitive a family of tasks needs from the examples (a constant model cannot)', () => {
    // Both families have type list(int) -> int; only the examples tell `car` tasks from `length` tasks.
    const train: RecognitionExample[] = [];
    for (let s = 0; s < 32; s++) train.push({ task: taskFor(s % 2 === 0 ? CAR : LENGTH, s), programs: [s % 2 === 0 ? CAR : LENGTH] });
    const model = new RecognitionModel(grammar.productions.length + 1, Rng.fromSeed(3), { useWords: false });
    try {
      const losses = model.train(grammar, train, { steps: 80, lr: 0.01, batchSize: 8, seed: 0 });
      expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.7);
      for (let s = 100; s < 104; s++) {
        expect(probabilityOf(model.predictGrammar(grammar, taskFor(CAR, s)), 'car', 'length')).toBeGreaterThan(0.7);
        expect(probabilityOf(model.predictGrammar(grammar, taskFor(LENGTH, s)), 'length', 'car')).toBeGreaterThan(0.7);
      }
    } finally {
      model.dispose();
    }
  });

  it('reads description words when the examples do not tell the families apart', () => {
    // Same examples for both families: only the words say which primitive is wanted.
    const withWords = (p: typeof SUM, s: number): ProgramTask => ({ ...taskFor(SUM, s % 3), description: p === SUM ? 'add up the numbers' : 'count the items' });
    const train: RecognitionExample[] = [];
    for (let s = 0; s < 16; s++) train.push({ task: withWords(s % 2 === 0 ? SUM : LENGTH, s), programs: [s % 2 === 0 ? SUM : LENGTH] });
    const model = new RecognitionModel(grammar.productions.length + 1, Rng.fromSeed(4));
    try {
      model.train(grammar, train, { steps: 60, lr: 0.01, batchSize: 8, seed: 1 });
      expect(probabilityOf(model.predictGrammar(grammar, withWords(SUM, 50)), 'sum')).toBeGreaterThan(0.7);
      expect(probabilityOf(model.predictGrammar(grammar, withWords(LENGTH, 50)), 'length')).toBeGreaterThan(0.7);
    } finally {
      model.dispose();
    }
  });

  it('round-trips its weights and checks the grammar size', () => {
    const a = new RecognitionModel(grammar.productions.length + 1, Rng.fromSeed(5));
    const b = new RecognitionModel(grammar.productions.length + 1, Rng.fromSeed(6));
    try {
      const w = a.getWeights();
      b.setWeights(w);
      tf.dispose([...w.values()]);
      const t = taskFor(SUM, 9, 'add');
      expect(b.predictGrammar(grammar, t).unigram).toEqual(a.predictGrammar(grammar, t).unigram);
      expect(() => a.predictGrammar(Grammar.uniform(listPrimitives()), t)).toThrow(/predicts 12 productions, the grammar has/);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
