import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@kt/core';
import { tempDirs } from '@kt/core/testing';
import { Grammar, listPrimitives, loadLibrary, parseProgram, parseType, runProgram, type ProgramTask } from '../src';
import { dream, runWakeSleep, WAKE_SLEEP_STATE_FILE, type WakeSleepOptions, type WakeSleepResult } from '../src/wake-sleep/wake-sleep';

const base = Grammar.uniform(listPrimitives().filter((p) => ['map', 'fold', 'cons', 'car', 'cdr', 'empty', '+', '*', '0', '1', 'sum', 'length', 'reverse'].includes(p.name)));
const REQUEST = parseType('list(int) -> list(int)');

function taskOf(name: string, src: string, seed: number, description?: string): ProgramTask {
  const program = parseProgram(src);
  const rng = Rng.fromSeed(seed);
  const examples = Array.from({ length: 4 }, () => {
    const input = Array.from({ length: 1 + rng.int(4) }, () => rng.int(9));
    return { inputs: [input], output: runProgram(program, [input]) };
  });
  return { name, request: REQUEST, examples, description };
}

const TRAIN = [
  taskOf('inc', '(lambda (map (lambda (+ $0 1)) $0))', 1, 'add one to each'),
  taskOf('double', '(lambda (map (lambda (+ $0 $0)) $0))', 2, 'double each'),
  taskOf('square', '(lambda (map (lambda (* $0 $0)) $0))', 3, 'square each'),
  taskOf('rev', '(lambda (reverse $0))', 4, 'reverse the list'),
];
const TEST = [taskOf('inc2', '(lambda (map (lambda (+ $0 (+ 1 1))) $0))', 5, 'add two to each')];

describe('wake-sleep', () => {
  const tmp = tempDirs('kt-wake-sleep-');

  const options = (dir: string, iterations: number): WakeSleepOptions => ({
    condition: 'dreamcoder',
    iterations,
    budget: { maxNodes: 20_000, timeoutMs: 600_000 },
    seed: 7,
    recognitionSteps: 4,
    dreams: 4,
    dir,
  });
  const summary = (r: WakeSleepResult): unknown => {
    const weights = r.recognition === undefined ? {} : Object.fromEntries([...r.recognition].map(([k, t]) => [k, Array.from(t.dataSync())]));
    if (r.recognition) tf.dispose([...r.recognition.values()]);
    return { grammar: r.grammar.toJson(), frontiers: [...r.frontiers].map(([k, v]) => [k, v.map(String)]), metrics: r.metrics, weights };
  };

  it('solves, compresses, trains recognition, checkpoints, and an interrupted run resumes to the same result', async () => {
    const whole = tmp();
    const straight = await runWakeSleep(base, TRAIN, TEST, options(whole, 2));
    expect(straight.metrics).toHaveLength(2);
    expect(straight.metrics[0]!.trainSolved).toBeGreaterThan(0);
    expect(loadLibrary(whole).grammar.productions.length).toBe(straight.grammar.productions.length);

    const parts = tmp();
    const first = await runWakeSleep(base, TRAIN, TEST, options(parts, 1));
    expect(first.metrics).toHaveLength(1);
    if (first.recognition) tf.dispose([...first.recognition.values()]);
    expect(fs.existsSync(path.join(parts, WAKE_SLEEP_STATE_FILE))).toBe(true);
    const resumed = await runWakeSleep(base, TRAIN, TEST, options(parts, 2));
    expect(summary(resumed)).toEqual(summary(straight));
  });

  it('rejects a checkpoint of another condition', async () => {
    const dir = tmp();
    await runWakeSleep(base, TRAIN.slice(0, 1), [], { ...options(dir, 1), condition: 'fitted' });
    await expect(runWakeSleep(base, TRAIN.slice(0, 1), [], { ...options(dir, 2), condition: 'uniform' })).rejects.toThrow(/condition fitted/);
  });

  it('dreams programs of the tasks’ type that run on their inputs', () => {
    const dreams = dream(base, TRAIN, 5, Rng.fromSeed(1));
    expect(dreams.length).toBeGreaterThan(0);
    for (const d of dreams) {
      expect(d.task.examples).toHaveLength(4);
      d.task.examples.forEach((ex) => expect(runProgram(d.programs[0]!, ex.inputs)).toEqual(ex.output));
    }
  });
});
