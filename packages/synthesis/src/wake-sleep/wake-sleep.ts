import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Rng, writeJsonAtomic } from '@kt/core';
import { RuntimeFault, runProgram, StepLimitExceeded } from '../lang/interpreter';
import { parseProgram } from '../lang/parse-program';
import { showProgram, type Callable, type Program } from '../lang/program';
import { compress, type CompressOptions } from '../library/compress';
import { saveLibrary } from '../io/library-file';
import { RecognitionModel, descriptionWords, type RecognitionExample } from '../recognition/recognition-model';
import { fitGrammar, type Frontier } from '../search/fit-grammar';
import { Grammar, type GrammarJson } from '../search/grammar';
import { sampleProgram } from '../search/sample-program';
import { solveTasksParallel } from '../search/solve-parallel';
import { solveTask, type ProgramTask, type SearchBudget, type SearchReport } from '../search/solve';

/**
 * The benchmark's conditions: (a) uniform grammar, (b) grammar fitted to the found programs, (c) + recognition
 * model, (d) + learned library (DreamCoder), (e) LAPS — language at training time only, (f) LAPS with language at
 * test time too.
 */
export const WAKE_SLEEP_CONDITIONS = ['uniform', 'fitted', 'recognition', 'dreamcoder', 'laps-train', 'laps-test'] as const;
export type WakeSleepCondition = (typeof WAKE_SLEEP_CONDITIONS)[number];

/** What a condition switches on: the recognition model (dream sleep), library learning (abstraction sleep), language (LAPS). */
export interface ConditionParts {
  readonly recognition: boolean;
  readonly library: boolean;
  readonly language: boolean;
}

export function conditionParts(c: WakeSleepCondition): ConditionParts {
  const language = c === 'laps-train' || c === 'laps-test';
  return { recognition: c !== 'uniform' && c !== 'fitted', library: c === 'dreamcoder' || language, language };
}

/**
 * What the LAPS conditions need from a words↔primitives model (the `language` module): fitted on solved tasks'
 * descriptions and programs, then a prior over the grammar's choices from a task's words. `undefined` from
 * `primitivePrior` means "no opinion" (no change to the grammar).
 */
export interface LanguageModel {
  fit(pairs: readonly { readonly words: readonly string[]; readonly programs: readonly Program[] }[]): void;
  /** Log-weight offsets, one per grammar choice (productions, then variable), for a task described by `words`. */
  primitivePrior(words: readonly string[], productions: readonly Callable[]): readonly number[] | undefined;
}

/** The adapter used until the language module is wired in: it has no opinion (LAPS conditions then equal `dreamcoder` + words in recognition). */
export const NO_LANGUAGE_MODEL: LanguageModel = {
  fit: () => undefined,
  primitivePrior: () => undefined,
};

export interface WakeSleepOptions {
  readonly condition: WakeSleepCondition;
  readonly iterations: number;
  /** Per-task search budget in the wake phase and on the test tasks (use `maxNodes` for reproducible runs). */
  readonly budget: SearchBudget;
  readonly seed: number;
  /** Recognition training steps per dream sleep (default 100). */
  readonly recognitionSteps?: number;
  /** Dreams per dream sleep (default 50). */
  readonly dreams?: number;
  readonly recognitionLr?: number;
  readonly compress?: CompressOptions;
  /** LAPS: weight of the language term in compression (0 = MDL on programs alone; default 0). */
  readonly languageInCompression?: number;
  /** Worker threads for conditions without recognition (one grammar for every task); default 1. */
  readonly workers?: number;
  /** Checkpoint directory: `wake-sleep.json` after every iteration, resumed from when present; the library in `artifacts/library.json`. */
  readonly dir?: string;
  readonly language?: LanguageModel;
  readonly onIteration?: (metrics: IterationMetrics) => void;
}

export interface IterationMetrics {
  readonly iteration: number;
  /** Fractions in [0, 1]. */
  readonly trainSolved: number;
  readonly testSolved: number;
  /** Invented functions in the grammar. */
  readonly librarySize: number;
  readonly inventions: readonly string[];
  readonly testSolvedNames: readonly string[];
}

export interface WakeSleepResult {
  readonly grammar: Grammar;
  /** Best program found per train task, by name. */
  readonly frontiers: ReadonlyMap<string, readonly Program[]>;
  readonly metrics: readonly IterationMetrics[];
  /** Recognition weights of the last iteration (conditions with recognition). */
  readonly recognition?: Map<string, tf.Tensor>;
}

/** Adds a language prior (when the model has one) to a grammar's unigram weights. */
function withLanguage(g: Grammar, language: LanguageModel, task: ProgramTask): Grammar {
  const prior = language.primitivePrior(descriptionWords(task.description), g.productions);
  if (prior === undefined) return g;
  return new Grammar(g.productions, g.unigram.map((w, i) => w + (prior[i] ?? 0)), g.bigram);
}

/** Where a search runs: on the train tasks (wake: language available in LAPS) or the held-out test tasks. */
export type SearchPhase = 'wake' | 'test';

/**
 * The grammar search uses for `task`: the recognition model's prediction for it (when there is one), plus the
 * language prior in the LAPS conditions. Words reach recognition and search in the wake of laps-train/laps-test,
 * and on test tasks only in laps-test.
 */
export function taskGrammar(condition: WakeSleepCondition, grammar: Grammar, recognition: RecognitionModel | undefined, language: LanguageModel, task: ProgramTask, phase: SearchPhase): Grammar {
  const words = conditionParts(condition).language && (phase === 'wake' || condition === 'laps-test');
  const seen = words ? task : { ...task, description: undefined };
  let g = recognition ? recognition.predictGrammar(grammar, seen) : grammar;
  if (words) g = withLanguage(g, language, task);
  return g;
}

/**
 * Searches every task within `budget`: with one grammar for all (no recognition model, no words) on `workers`
 * threads, else task by task with each task's own grammar (`taskGrammar`).
 */
export async function searchTasks(
  tasks: readonly ProgramTask[],
  grammar: Grammar,
  budget: SearchBudget,
  options: { readonly condition: WakeSleepCondition; readonly phase: SearchPhase; readonly recognition?: RecognitionModel; readonly language: LanguageModel; readonly workers: number },
): Promise<readonly SearchReport[]> {
  const words = conditionParts(options.condition).language && (options.phase === 'wake' || options.condition === 'laps-test');
  if (options.recognition === undefined && !words) return solveTasksParallel(tasks, grammar, budget, { workers: options.workers });
  return tasks.map((t) => {
    try {
      return solveTask(t, taskGrammar(options.condition, grammar, options.recognition, options.language, t, options.phase), budget);
    } catch (err) {
      // Named like the worker pool's failures: which task, and what was thrown (also when it is not an Error).
      throw new Error(`solving task ${t.name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  });
}

/** The (words, programs) pairs of the solved train tasks, by frontier: what the language model is fitted on. */
export function languagePairs(frontiers: ReadonlyMap<string, readonly Program[]>, byName: ReadonlyMap<string, ProgramTask>): { words: string[]; programs: readonly Program[] }[] {
  return [...frontiers].map(([name, programs]) => ({ words: descriptionWords(byName.get(name)!.description), programs }));
}

/**
 * The abstraction sleep: in the library conditions, a library compressed out of the frontiers (with LAPS, scored on
 * the descriptions too, weight `languageWeight`) and the frontiers re-expressed with it; else the grammar re-fitted
 * to them (`uniform` keeps its grammar). The LAPS conditions then fit the language model on the frontiers. Updates
 * `frontiers` in place and returns the new grammar.
 */
export function abstractionSleep(
  condition: WakeSleepCondition,
  grammar: Grammar,
  frontiers: Map<string, Program[]>,
  byName: ReadonlyMap<string, ProgramTask>,
  options: { readonly compress?: CompressOptions; readonly languageWeight?: number; readonly language: LanguageModel },
): Grammar {
  const parts = conditionParts(condition);
  const solved: Frontier[] = [...frontiers].map(([name, programs]) => ({ request: byName.get(name)!.request, programs }));
  let next = grammar;
  if (condition !== 'uniform') {
    if (parts.library && solved.length > 0) {
      const weight = parts.language ? (options.languageWeight ?? 0) : 0;
      const words = weight > 0 ? [...frontiers.keys()].map((name) => descriptionWords(byName.get(name)!.description)) : undefined;
      const result = compress(grammar, solved, { ...options.compress, ...(words ? { language: { words, weight } } : {}) });
      next = result.grammar;
      [...frontiers.keys()].forEach((name, i) => frontiers.set(name, [...result.frontiers[i]!.programs]));
    } else next = fitGrammar(grammar, solved);
  }
  if (parts.language) options.language.fit(languagePairs(frontiers, byName));
  return next;
}

/** The dream sleep's training set: the frontiers (task, programs found) plus `dreams` programs sampled from `grammar`. */
export function recognitionExamples(grammar: Grammar, frontiers: ReadonlyMap<string, readonly Program[]>, train: readonly ProgramTask[], dreams: number, rng: Rng): RecognitionExample[] {
  const byName = new Map(train.map((t) => [t.name, t]));
  const pairs: RecognitionExample[] = [...frontiers].map(([name, programs]) => ({ task: byName.get(name)!, programs }));
  pairs.push(...dream(grammar, train, dreams, rng));
  return pairs;
}

/** The invented functions of a grammar, printed. */
export function inventionsOf(grammar: Grammar): string[] {
  return grammar.productions.filter((p) => p.kind === 'invented').map((p) => showProgram(p));
}

/** An iteration's scores from its frontiers and the test searches. */
export function iterationMetrics(iteration: number, grammar: Grammar, frontiers: ReadonlyMap<string, unknown>, train: readonly ProgramTask[], test: readonly ProgramTask[], testReports: readonly SearchReport[]): IterationMetrics {
  const inventions = inventionsOf(grammar);
  return {
    iteration,
    trainSolved: train.length === 0 ? 0 : frontiers.size / train.length,
    testSolved: test.length === 0 ? 0 : testReports.filter((r) => r.solutions.length > 0).length / test.length,
    librarySize: inventions.length,
    inventions,
    testSolvedNames: test.filter((_t, i) => testReports[i]!.solutions.length > 0).map((t) => t.name),
  };
}

/** The checkpoint file of a wake–sleep run. */
export const WAKE_SLEEP_STATE_FILE = 'wake-sleep.json';

interface StateJson {
  readonly format: 'kt-synthesis-wake-sleep';
  readonly condition: WakeSleepCondition;
  readonly seed: number;
  readonly completed: number;
  readonly grammar: GrammarJson;
  readonly frontiers: Record<string, string[]>;
  readonly metrics: IterationMetrics[];
  readonly recognition?: Record<string, { shape: number[]; values: number[] }>;
}

/**
 * Dreams: programs sampled from `grammar` for the train tasks' types, run on a train task's inputs (as DreamCoder
 * does); programs that fault, exceed the step budget or give the same output for every input are dropped.
 */
export function dream(grammar: Grammar, tasks: readonly ProgramTask[], count: number, rng: Rng): RecognitionExample[] {
  const out: RecognitionExample[] = [];
  for (let attempt = 0; attempt < count * 5 && out.length < count && tasks.length > 0; attempt++) {
    const task = tasks[rng.int(tasks.length)]!;
    const sampled = sampleProgram(grammar, task.request, () => rng.next(), { maxDepth: 8 });
    if (sampled === undefined) continue;
    try {
      const examples = task.examples.map((ex) => ({ inputs: ex.inputs, output: runProgram(sampled.program, ex.inputs, 2000) }));
      const keys = new Set(examples.map((e) => JSON.stringify(e.output)));
      if (examples.length > 1 && keys.size === 1) continue;
      out.push({ task: { request: task.request, examples }, programs: [sampled.program] });
    } catch (e) {
      if (e instanceof RuntimeFault || e instanceof StepLimitExceeded || e instanceof RangeError) continue;
      throw e;
    }
  }
  return out;
}

function readState(dir: string | undefined): StateJson | undefined {
  if (dir === undefined) return undefined;
  const file = path.join(dir, WAKE_SLEEP_STATE_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as StateJson) : undefined;
}

/**
 * DreamCoder's wake–sleep loop (and LAPS's variants) as a library function (the benchmark's earlier driver; `kt run`'s
 * task `wake-sleep` composes the same phases with core's trainer): each iteration solves the train tasks with the
 * current grammar (per task, the recognition model's prediction for it), keeps the best programs found per task
 * (the frontiers), compresses a library out of them (abstraction sleep), re-fits the grammar, trains a fresh
 * recognition model on the frontiers plus dreams sampled from the grammar (dream sleep), and reports how many
 * held-out test tasks the result solves within the same budget. With `dir`, every iteration is checkpointed and a
 * rerun resumes after the last one completed: each iteration's randomness is derived from (seed, iteration), so the
 * resumed run computes what the uninterrupted one would (with a `maxNodes` budget; a time budget depends on the machine).
 */
export async function runWakeSleep(base: Grammar, train: readonly ProgramTask[], test: readonly ProgramTask[], options: WakeSleepOptions): Promise<WakeSleepResult> {
  const { condition } = options;
  const parts = conditionParts(condition);
  const language = options.language ?? NO_LANGUAGE_MODEL;
  const state = readState(options.dir);
  if (state !== undefined && (state.condition !== condition || state.seed !== options.seed)) {
    throw new Error(`${path.join(options.dir!, WAKE_SLEEP_STATE_FILE)}: a checkpoint of condition ${state.condition} seed ${state.seed}, not ${condition} seed ${options.seed}`);
  }
  let grammar = state ? Grammar.fromJson(state.grammar) : base;
  const frontiers = new Map<string, Program[]>(state ? Object.entries(state.frontiers).map(([k, v]) => [k, v.map((s) => parseProgram(s))]) : []);
  const metrics: IterationMetrics[] = state ? [...state.metrics] : [];
  const byName = new Map(train.map((t) => [t.name, t]));
  // The language model is not checkpointed: re-fitted (deterministically) on the frontiers it was fitted on.
  if (state !== undefined && parts.language) language.fit(languagePairs(frontiers, byName));
  let recognition: RecognitionModel | undefined;
  if (state?.recognition !== undefined) {
    recognition = new RecognitionModel(grammar.productions.length + 1, Rng.fromSeed(0), { useWords: parts.language });
    const weights = new Map(Object.entries(state.recognition).map(([k, v]) => [k, tf.tensor(v.values, v.shape)] as const));
    recognition.setWeights(weights);
    tf.dispose([...weights.values()]);
  }
  const search = (tasks: readonly ProgramTask[], phase: SearchPhase): Promise<readonly SearchReport[]> =>
    searchTasks(tasks, grammar, options.budget, { condition, phase, recognition, language, workers: options.workers ?? 1 });
  try {
    for (let it = metrics.length; it < options.iterations; it++) {
      const rng = Rng.derive(options.seed, 0x3a4e, it);
      const found = await search(train, 'wake');
      train.forEach((t, i) => {
        if (found[i]!.solutions.length > 0) frontiers.set(t.name, found[i]!.solutions.map((s) => s.program));
      });
      grammar = abstractionSleep(condition, grammar, frontiers, byName, { compress: options.compress, languageWeight: options.languageInCompression, language });
      // Dream sleep: a fresh model (the grammar's size may have changed) on the frontiers and on dreams.
      if (parts.recognition) {
        recognition?.dispose();
        recognition = new RecognitionModel(grammar.productions.length + 1, Rng.derive(options.seed, 0x7ec, it), { useWords: parts.language });
        const pairs = recognitionExamples(grammar, frontiers, train, options.dreams ?? 50, rng);
        recognition.train(grammar, pairs, { steps: options.recognitionSteps ?? 100, lr: options.recognitionLr ?? 0.01, seed: rng.seed() });
      }
      const m = iterationMetrics(it + 1, grammar, frontiers, train, test, await search(test, 'test'));
      metrics.push(m);
      if (options.dir !== undefined) writeCheckpoint(options, grammar, frontiers, metrics, recognition);
      options.onIteration?.(m);
    }
    return { grammar, frontiers, metrics, recognition: recognition?.getWeights() };
  } finally {
    recognition?.dispose();
  }
}

function writeCheckpoint(options: WakeSleepOptions, grammar: Grammar, frontiers: ReadonlyMap<string, readonly Program[]>, metrics: IterationMetrics[], recognition: RecognitionModel | undefined): void {
  const dir = options.dir!;
  let weights: StateJson['recognition'];
  if (recognition !== undefined) {
    const w = recognition.getWeights();
    weights = Object.fromEntries([...w].map(([k, t]) => [k, { shape: t.shape, values: Array.from(t.dataSync()) }]));
    tf.dispose([...w.values()]);
  }
  const state: StateJson = {
    format: 'kt-synthesis-wake-sleep',
    condition: options.condition,
    seed: options.seed,
    completed: metrics.length,
    grammar: grammar.toJson(),
    frontiers: Object.fromEntries([...frontiers].map(([k, v]) => [k, v.map((p) => showProgram(p))])),
    metrics,
    recognition: weights,
  };
  fs.mkdirSync(dir, { recursive: true });
  saveLibrary(dir, grammar);
  writeJsonAtomic(path.join(dir, WAKE_SLEEP_STATE_FILE), state);
}
