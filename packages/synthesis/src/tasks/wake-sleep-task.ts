import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { asLearner, ConfigError, Rng, sequenceNll, writeJsonAtomic, type ConfigIssue, type Learner, type Metrics, type StepContext, type Task, type TaskRun, type TransferObjective, type Wrapped } from '@kt/core';
import { SYNTHESIS_PLUGIN, type SynthesisConfig } from '../config-schema';
import { parseProgram } from '../lang/parse-program';
import { showProgram, type Invented, type Program } from '../lang/program';
import { showType } from '../lang/types';
import { saveLibrary } from '../io/library-file';
import { ibmLanguageModel, type IbmLanguageModel } from '../language/ibm-language-model';
import { RecognitionModel, type PreparedExample } from '../recognition/recognition-model';
import { descriptionLength, Grammar, type GrammarJson } from '../search/grammar';
import type { ProgramTask, SearchReport } from '../search/solve';
import { loadSuite, suiteIssues, type LoadedSuite } from '../suites/load-suite';
import {
  abstractionSleep,
  conditionParts,
  iterationMetrics,
  languagePairs,
  NO_LANGUAGE_MODEL,
  recognitionExamples,
  searchTasks,
  type ConditionParts,
  type IterationMetrics,
  type LanguageModel,
} from '../wake-sleep/wake-sleep';

/** What `evaluate('test')` reports: fractions of train / test tasks solved and the library's size, last iteration. */
export const WAKE_SLEEP_METRICS = ['trainSolved', 'testSolved', 'librarySize'] as const;

/** Stream ids of the per-iteration randomness (dreams) and of the recognition model's initialisation. */
const DREAM_STREAM = 0x3a4e;
const INIT_STREAM = 0x7ec;

/** The state after iteration k's sleep (`artifacts/iteration-<k+1>.json`): what a resumed run continues from. */
interface IterationStateJson {
  readonly iteration: number;
  readonly grammar: GrammarJson;
  /** Programs found per solved train task (the frontiers, re-expressed with the library). */
  readonly frontiers: Record<string, string[]>;
  /** Train tasks solved by this iteration's wake. */
  readonly wakeSolved: number;
}

/** Iteration k's test search (`artifacts/test-<k+1>.json`). */
interface TestRecordJson {
  readonly metrics: IterationMetrics;
  readonly programs: Record<string, string[]>;
}

interface IterationState {
  readonly k: number;
  readonly grammar: Grammar;
  readonly frontiers: Map<string, Program[]>;
  /** The recognition model's training set this iteration (frontiers + dreams), prepared for this grammar. */
  readonly prepared: readonly PreparedExample[];
}

/** One learned function as the artifacts list it. */
export interface LearnedPrimitive {
  /** `f1`, `f2`, … in the order they were learned. */
  readonly name: string;
  readonly type: string;
  /** The function printed as a program, `#(lambda …)`. */
  readonly program: string;
  /** Its body with earlier learned functions shown by name. */
  readonly readable: string;
}

/** `artifacts/programs.json`: the best programs per task (train: the final frontiers; test: the last test search). */
export interface SolvedProgramsJson {
  readonly train: Record<string, { program: string; descriptionLength: number }[]>;
  readonly test: Record<string, { program: string; descriptionLength: number }[]>;
}

/** The learned functions of a grammar, named f1, f2, … and printed with earlier ones by name. */
export function learnedPrimitives(grammar: Grammar): LearnedPrimitive[] {
  const invented = grammar.productions.filter((p): p is Invented => p.kind === 'invented');
  const names = invented.map((p, i) => [showProgram(p), `f${i + 1}`] as const);
  return invented.map((p, i) => {
    let readable = showProgram(p.body);
    // Longest first, so a function containing another is replaced whole.
    for (const [text, name] of [...names.slice(0, i)].sort((a, b) => b[0].length - a[0].length)) readable = readable.split(text).join(name);
    return { name: `f${i + 1}`, type: showType(p.type), program: showProgram(p), readable };
  });
}

/** Checks `kt validate` makes: the schedule comes from the wake–sleep settings, the task files must exist. */
export function wakeSleepIssues(cfg: SynthesisConfig): ConfigIssue[] {
  const issues = suiteIssues(cfg.suite);
  if (cfg.train.steps !== undefined || cfg.train.epochs !== undefined) {
    issues.push({ path: 'train', message: 'task wake-sleep runs iterations × recognition.stepsPerIteration steps: leave train.steps and train.epochs out' });
  }
  return issues;
}

const readJson = <T>(file: string): T | undefined => (fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : undefined);

/**
 * `task: wake-sleep` — DreamCoder's loop (and LAPS's) as a kt run. Iteration k is recognition.stepsPerIteration
 * steps of core's trainer; the first step's `prepareStep` runs the iteration's wake (each train task searched
 * within `search`'s budget, with the grammar the recognition model predicts for it from iteration 2 on), the
 * abstraction sleep (library learning; LAPS: scored on the descriptions too) and builds the dream sleep's training
 * set (frontiers + dreams); the steps then train the recognition model — the learner — towards the search
 * posterior at each choice point with `transfer.divergence`. After each iteration the held-out test tasks are
 * searched with the trained model. Each iteration's state is saved before its first step is trained, so a
 * resumed run (core's checkpoints hold the model and optimizer) recomputes nothing it does not have to and ends
 * with the same result.
 */
export const wakeSleepTask: Task<SynthesisConfig> = {
  plugin: SYNTHESIS_PLUGIN,
  name: 'wake-sleep',
  description: 'DreamCoder/LAPS wake–sleep: search solves tasks, a library is compressed out of the solutions, a recognition model learns from them and from dreams',
  metrics: WAKE_SLEEP_METRICS,
  validate: wakeSleepIssues,
  async create(ctx) {
    const cfg = ctx.config;
    const issues = wakeSleepIssues(cfg);
    if (issues.length > 0) throw new ConfigError(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    const suite = loadSuite(cfg.suite);
    if (suite.train.length === 0) throw new ConfigError('suite: no train tasks');
    return new WakeSleepRun(ctx.config, suite, ctx.objective, path.join(ctx.runDir, 'artifacts'), ctx.runDir, (l) => ctx.log.info(l));
  },
};

/** The TaskRun of task wake-sleep (one per run). */
class WakeSleepRun implements TaskRun<undefined> {
  readonly learner: Learner & Wrapped<RecognitionModel>;
  readonly stepsPerEpoch: number;
  private readonly model: RecognitionModel;
  private readonly base: Grammar;
  private readonly parts: ConditionParts;
  private readonly language: LanguageModel;
  private readonly byName: ReadonlyMap<string, ProgramTask>;
  private current?: IterationState;
  private lastTest?: TestRecordJson;
  /** Trainer steps taken (or under way) in this process: the step `prepareStep` last saw, plus 1. */
  private stepsDone = 0;

  constructor(
    private readonly cfg: SynthesisConfig,
    private readonly suite: LoadedSuite,
    private readonly objective: TransferObjective,
    private readonly artifacts: string,
    private readonly runDir: string,
    private readonly info: (line: string) => void,
  ) {
    this.parts = conditionParts(cfg.condition);
    this.base = Grammar.uniform(suite.primitives);
    // Room for every function the library can learn: production i is output i, the variable the last output.
    const capacity = this.base.productions.length + (this.parts.library ? cfg.library.maxNewPrimitives * cfg.iterations : 0) + 1;
    this.model = new RecognitionModel(capacity, Rng.derive(cfg.train.seed, INIT_STREAM), {
      useWords: this.parts.language,
      bigram: cfg.recognition.bigram,
      embedding: cfg.recognition.embedding,
      hidden: cfg.recognition.hidden,
    });
    this.learner = asLearner(this.model, 'recognition');
    this.language = this.parts.language ? this.languageModel() : NO_LANGUAGE_MODEL;
    this.byName = new Map(suite.train.map((t) => [t.name, t]));
    // The whole schedule is one trainer epoch: iterations × stepsPerIteration steps.
    this.stepsPerEpoch = cfg.iterations * cfg.recognition.stepsPerIteration;
    fs.mkdirSync(artifacts, { recursive: true });
    info(
      `${cfg.condition}: ${suite.train.length} train / ${suite.test.length} test tasks (${suite.name}), ${this.base.productions.length} ${suite.primitiveSet} primitives; ` +
        `${cfg.iterations} iterations of ${cfg.recognition.stepsPerIteration} recognition steps; ${cfg.search.maxNodes} nodes per task`,
    );
  }

  /** A new (unfitted) LAPS language model with the run's `language` settings. */
  private languageModel(): IbmLanguageModel {
    return ibmLanguageModel({ prior: { uniformMix: this.cfg.language.uniformMix }, strength: this.cfg.language.strength });
  }

  private get budget(): { maxNodes: number; timeoutMs: number } {
    return { maxNodes: this.cfg.search.maxNodes, timeoutMs: this.cfg.search.timeoutSeconds * 1000 };
  }

  private stateFile(k: number): string {
    return path.join(this.artifacts, `iteration-${k + 1}.json`);
  }

  private testFile(k: number): string {
    return path.join(this.artifacts, `test-${k + 1}.json`);
  }

  private search(tasks: readonly ProgramTask[], grammar: Grammar, phase: 'wake' | 'test', recognition: boolean): Promise<readonly SearchReport[]> {
    return searchTasks(tasks, grammar, this.budget, {
      condition: this.cfg.condition,
      phase,
      recognition: recognition ? this.model : undefined,
      language: this.language,
      workers: this.cfg.search.workers,
    });
  }

  /** Iteration k's state with its training set (the dreams are recomputed: they depend only on grammar, tasks and seed). */
  private withTrainingSet(k: number, grammar: Grammar, frontiers: Map<string, Program[]>): IterationState {
    const rng = Rng.derive(this.cfg.train.seed, DREAM_STREAM, k);
    const examples = recognitionExamples(grammar, frontiers, this.suite.train, this.parts.recognition ? this.cfg.recognition.dreams : 0, rng);
    const prepared = examples.map((ex) => this.model.prepare(grammar, ex)).filter((p) => p !== undefined);
    return { k, grammar, frontiers, prepared };
  }

  /** The saved state after iteration k's sleep, with the language model re-fitted to it (deterministic), or undefined. */
  private loadState(k: number): IterationState | undefined {
    const saved = readJson<IterationStateJson>(this.stateFile(k));
    if (saved === undefined) return undefined;
    const frontiers = new Map(Object.entries(saved.frontiers).map(([name, ps]) => [name, ps.map((p) => parseProgram(p))] as const));
    const grammar = Grammar.fromJson(saved.grammar);
    if (this.parts.language) this.language.fit(languagePairs(frontiers, this.byName));
    return this.withTrainingSet(k, grammar, frontiers);
  }

  /** Iteration k: loaded when a (killed) earlier process saved it, else wake + abstraction sleep from iteration k − 1. */
  private async iteration(k: number): Promise<IterationState> {
    if (this.current?.k === k) return this.current;
    const loaded = this.loadState(k);
    if (loaded !== undefined) return (this.current = loaded);
    const previous = k === 0 ? undefined : this.current?.k === k - 1 ? this.current : this.loadState(k - 1);
    if (k > 0 && previous === undefined) throw new Error(`${this.stateFile(k - 1)} is missing: the run cannot resume iteration ${k + 1}`);
    const grammar = previous?.grammar ?? this.base;
    const frontiers = new Map(previous?.frontiers ?? []);
    const t0 = Date.now();
    // Wake: the recognition model is used once it has been trained (from the second iteration on).
    const found = await this.search(this.suite.train, grammar, 'wake', this.parts.recognition && k > 0);
    const wakeSolved = found.filter((r) => r.solutions.length > 0).length;
    this.suite.train.forEach((t, i) => {
      if (found[i]!.solutions.length > 0) frontiers.set(t.name, found[i]!.solutions.map((s) => s.program));
    });
    const slept = abstractionSleep(this.cfg.condition, grammar, frontiers, this.byName, {
      compress: { maxNewPrimitives: this.cfg.library.maxNewPrimitives, structurePenalty: this.cfg.library.structurePenalty, maxArity: this.cfg.library.maxArity, candidatesPerRound: this.cfg.library.candidatesPerRound },
      languageWeight: this.cfg.library.languageWeight,
      language: this.language,
    });
    const state: IterationStateJson = {
      iteration: k + 1,
      grammar: slept.toJson(),
      frontiers: Object.fromEntries([...frontiers].map(([name, ps]) => [name, ps.map((p) => showProgram(p))])),
      wakeSolved,
    };
    writeJsonAtomic(this.stateFile(k), state);
    const learned = slept.productions.length - grammar.productions.length;
    this.info(
      `iteration ${k + 1}: wake solved ${wakeSolved}/${this.suite.train.length} train tasks (${frontiers.size} solved so far) in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
        `library ${learned > 0 ? `+${learned} → ` : ''}${slept.productions.length - this.base.productions.length} functions`,
    );
    return (this.current = this.withTrainingSet(k, slept, frontiers));
  }

  /** Iteration k's test search with the model as trained now (recorded once; a resumed run reads the record). */
  private async testIteration(k: number): Promise<TestRecordJson> {
    const saved = readJson<TestRecordJson>(this.testFile(k));
    if (saved !== undefined) return saved;
    const state = await this.iteration(k);
    const reports = await this.search(this.suite.test, state.grammar, 'test', this.parts.recognition);
    const metrics = iterationMetrics(k + 1, state.grammar, state.frontiers, this.suite.train, this.suite.test, reports);
    const record: TestRecordJson = {
      metrics,
      programs: Object.fromEntries(this.suite.test.flatMap((t, i) => (reports[i]!.solutions.length > 0 ? [[t.name, reports[i]!.solutions.map((s) => showProgram(s.program))]] : []))),
    };
    writeJsonAtomic(this.testFile(k), record);
    this.info(
      `iteration ${k + 1}: train ${(metrics.trainSolved * 100).toFixed(1)}% solved, test ${(metrics.testSolved * 100).toFixed(1)}% (${metrics.testSolvedNames.length}/${this.suite.test.length}), library ${metrics.librarySize}`,
    );
    return record;
  }

  async prepareStep(step: StepContext): Promise<undefined> {
    const S = this.cfg.recognition.stepsPerIteration;
    const k = Math.min(Math.floor(step.step / S), this.cfg.iterations - 1);
    this.stepsDone = step.step + 1;
    if (this.current?.k === k) return undefined;
    // At an iteration boundary the model is exactly as iteration k − 1 trained it: score it on the test tasks first.
    if (k > 0 && step.step === k * S) await this.testIteration(k - 1);
    else if (k > 0 && !fs.existsSync(this.testFile(k - 1))) throw new Error(`${this.testFile(k - 1)} is missing: the run cannot resume mid-iteration ${k + 1}`);
    await this.iteration(k);
    return undefined;
  }

  loss(step: StepContext): tf.Scalar {
    const pool = this.current?.prepared ?? [];
    if (pool.length === 0) {
      // Nothing solved and no dreams: no training signal this iteration (a zero that still reaches the variables).
      return tf.mul(tf.sum(this.model.trainableVariables()[0]!), 0) as tf.Scalar;
    }
    const n = Math.min(this.cfg.train.batchSize, pool.length);
    const batch = this.model.choiceBatch(
      Array.from({ length: n }, () => pool[step.rng.int(pool.length)]!),
      this.cfg.recognition.smoothing,
    )!;
    const { alpha } = this.objective;
    const nll = alpha > 0 ? (tf.div(tf.sum(tf.mul(sequenceNll(batch.logits, batch.targets, undefined, { reduction: 'none' }), batch.weights)), tf.sum(batch.weights)) as tf.Scalar) : undefined;
    const kd = alpha < 1 ? this.objective.distill(batch.teacherLogits, batch.logits, batch.weights) : undefined;
    return this.objective.combine(nll, kd);
  }

  /**
   * `val`: the current iteration's share of train tasks solved and library size, and — at the iteration's last step
   * (`train.evalEvery` a multiple of recognition.stepsPerIteration) — the share of held-out test tasks solved by the
   * model as the iteration trained it (the test search is recorded once: the next iteration's first step reads it).
   * One `val` line per iteration is what `kt report` draws as curves. `test`: every iteration's test search.
   */
  async evaluate(split: 'val' | 'test'): Promise<Metrics> {
    if (split === 'val') {
      const state = this.current;
      if (state === undefined) return {};
      const S = this.cfg.recognition.stepsPerIteration;
      if (this.stepsDone === (state.k + 1) * S) {
        const m = (await this.testIteration(state.k)).metrics;
        return { trainSolved: m.trainSolved, testSolved: m.testSolved, librarySize: m.librarySize };
      }
      return { trainSolved: state.frontiers.size / this.suite.train.length, librarySize: state.grammar.productions.length - this.base.productions.length };
    }
    const records: TestRecordJson[] = [];
    for (let k = 0; k < this.cfg.iterations; k++) records.push(await this.testIteration(k));
    this.lastTest = records.at(-1);
    const last = this.lastTest!.metrics;
    const out: Metrics = { trainSolved: last.trainSolved, testSolved: last.testSolved, librarySize: last.librarySize };
    for (const r of records) {
      out[`iteration${r.metrics.iteration}.trainSolved`] = r.metrics.trainSolved;
      out[`iteration${r.metrics.iteration}.testSolved`] = r.metrics.testSolved;
    }
    return out;
  }

  async writeArtifacts(dir: string): Promise<void> {
    const last = this.cfg.iterations - 1;
    const state = await this.iteration(last);
    const test = this.lastTest ?? (await this.testIteration(last));
    // LAPS: the language model fitted on the final frontiers goes with the library (`kt synthesis solve --description`).
    let language: IbmLanguageModel | undefined;
    if (this.parts.language) {
      language = this.languageModel();
      language.fit(languagePairs(state.frontiers, this.byName));
    }
    saveLibrary(this.runDir, state.grammar, language?.toJson());
    const primitives = learnedPrimitives(state.grammar);
    writeJsonAtomic(path.join(dir, 'primitives.json'), primitives);
    const text = primitives.map((p) => `${p.name} : ${p.type}\n  ${p.readable}\n`).join('\n');
    fs.writeFileSync(path.join(dir, 'primitives.txt'), text === '' ? '(no functions learned)\n' : text);
    const scored = (task: ProgramTask, programs: readonly string[]): { program: string; descriptionLength: number }[] =>
      programs.map((p) => ({ program: p, descriptionLength: round(descriptionLength(state.grammar, task.request, parseProgram(p))) }));
    const testByName = new Map(this.suite.test.map((t) => [t.name, t]));
    const programs: SolvedProgramsJson = {
      train: Object.fromEntries([...state.frontiers].map(([name, ps]) => [name, scored(this.byName.get(name)!, ps.map((p) => showProgram(p)))])),
      test: Object.fromEntries(Object.entries(test.programs).map(([name, ps]) => [name, scored(testByName.get(name)!, ps)])),
    };
    writeJsonAtomic(path.join(dir, 'programs.json'), programs);
    const iterations: IterationMetrics[] = [];
    for (let k = 0; k <= last; k++) iterations.push((await this.testIteration(k)).metrics);
    writeJsonAtomic(path.join(dir, 'iterations.json'), iterations);
  }

  dispose(): void {
    this.model.dispose();
  }
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x;
}

