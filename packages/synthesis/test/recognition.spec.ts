import * as tf from '@tensorflow/tfjs';
import { Rng } from '@kt/core';
import { choicePoints, descriptionWords, encodeTask, RecognitionModel, type RecognitionExample } from '../src/recognition/recognition-model';
import { Grammar, listPrimitives, parseProgram, parseType, runProgram, type ProgramTask } from '../src';

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

/** P(name) among {name, other} under the grammar's unigram weights. */
function probabilityOf(g: Grammar, name: string, other = name === 'sum' ? 'length' : 'sum'): number {
  const i = g.productions.findIndex((p) => p.kind === 'primitive' && p.name === name);
  const j = g.productions.findIndex((p) => p.kind === 'primitive' && p.name === other);
  return 1 / (1 + Math.exp(g.unigram[j]! - g.unigram[i]!));
}

describe('recognition model', () => {
  it('lists the choices open at each choice point', () => {
    const points = choicePoints(grammar, REQUEST, SUM)!;
    expect(points).toHaveLength(2);
    const sum = grammar.productions.findIndex((p) => p.kind === 'primitive' && p.name === 'sum');
    expect(points[0]!.chosen).toBe(sum);
    expect(points[0]!.open).toContain(grammar.productions.findIndex((p) => p.kind === 'primitive' && p.name === 'length'));
    expect(points[1]!.chosen).toBe(grammar.variableIndex);
    expect(choicePoints(grammar, REQUEST, parseProgram('(lambda (reverse $0))'))).toBeUndefined();
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
      expect(() => a.predictGrammar(Grammar.uniform(listPrimitives()), t)).toThrow(/outputs/);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
