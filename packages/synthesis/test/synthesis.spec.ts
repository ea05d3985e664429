import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { checkpointName, pluginProblems, readRunWeights, ReportContribution, resolveExperimentConfig, validateExperiment, type RunOutcome } from '@kt/core';
import { configErrorOf, pluginHarness, useBackend, type HarnessRunOptions } from '@kt/core/testing';
import {
  descriptionWords,
  listFunctionsSuite,
  loadLibrary,
  SynthesisConfigSchema,
  synthesisPlugin,
  synthesisReportContribution,
  synthesisSolve,
  writeTaskFile,
  type SolvedProgramsJson,
  type SynthesisConfig,
} from '../src';

const h = pluginHarness(synthesisPlugin, '@kt/synthesis');
useBackend('wasm');
const { registry, container } = h;
const tmpDir = (): string => h.tmp('kt-synthesis-');

/** A shipped config with `overrides` (`key=value`) applied. */
function config(file: string, overrides: string[] = []): SynthesisConfig {
  return SynthesisConfigSchema.parse(h.raw(file, overrides));
}

/** The tiny config, shrunk further for the tests: 6 train / 3 test tasks, 2 iterations of 4 steps. */
const tiny = (overrides: string[] = []): SynthesisConfig =>
  config('tiny.yaml', ['suite.maxTrain=6', 'suite.maxTest=3', 'search.maxNodes=1500', 'recognition.stepsPerIteration=4', 'train.checkpointEvery=4', 'train.evalEvery=4', ...overrides]);

/** The `val` lines of a run's metrics.jsonl (one per iteration when train.evalEvery is an iteration). */
function valLines(runDir: string): Record<string, unknown>[] {
  const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['split'] === 'val');
}

function run(cfg: SynthesisConfig, outDir: string, extra: HarnessRunOptions = {}): Promise<RunOutcome> {
  return h.run(cfg, { outDir, ...extra });
}

/** What an exact resume must reproduce: the final scores, the artifacts and the recognition model's weights. */
function outcome(runDir: string): unknown {
  const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as { test: unknown; steps: number; status: string };
  const artifact = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', name), 'utf8'));
  const weights = readRunWeights(runDir);
  const values = Object.fromEntries([...weights].map(([k, t]) => [k, Array.from(t.dataSync())]));
  tf.dispose([...weights.values()]);
  return { test: summary.test, steps: summary.steps, status: summary.status, val: valLines(runDir), iterations: artifact('iterations.json'), programs: artifact('programs.json'), primitives: artifact('primitives.json'), library: artifact('library.json'), values };
}

jest.setTimeout(600_000);

describe('synthesis plugin', () => {
  it('passes the plugin meta-check: schema tasks = bound tasks, every shipped config passes its schema and task checks', () => {
    expect(pluginProblems(synthesisPlugin)).toEqual([]);
    expect(fs.readdirSync(h.configsDir).sort()).toEqual(['list-dreamcoder.yaml', 'list-laps.yaml', 'text-dreamcoder.yaml', 'text-laps.yaml', 'tiny.yaml']);
    for (const file of fs.readdirSync(h.configsDir)) expect(() => validateExperiment(config(file), container, file)).not.toThrow();
  });

  it('rejects a config with a typo, naming the field, and a suite given twice or not at all', () => {
    const message = configErrorOf(() => resolveExperimentConfig({ plugin: 'synthesis', task: 'wake-sleep', suite: { name: 'list' }, search: { maxNode: 8 } }, registry, 'typo.yaml'));
    expect(message).toMatch(/^typo\.yaml: invalid config/);
    expect(message).toMatch(/- search: .*"maxNode"/);
    expect(configErrorOf(() => resolveExperimentConfig({ plugin: 'synthesis', task: 'wake-sleep', suite: { name: 'list', trainFile: 'x.json' } }, registry))).toContain(
      '- suite: give exactly one of suite.name (list or text) and suite.trainFile',
    );
    expect(configErrorOf(() => resolveExperimentConfig({ plugin: 'synthesis', task: 'wake-sleep', condition: 'library', suite: { name: 'list' } }, registry))).toMatch(
      /- condition: .*"dreamcoder"/,
    );
  });

  it('kt validate: a task file that does not exist, and train.steps (the schedule is iterations × stepsPerIteration)', () => {
    const cfg = SynthesisConfigSchema.parse({ ...tiny(), suite: { trainFile: '/nonexistent/tasks.json' }, train: { ...tiny().train, steps: 10 } });
    const message = configErrorOf(() => validateExperiment(cfg, container, 'bad.yaml'));
    expect(message).toContain('- suite.trainFile: /nonexistent/tasks.json: no such file');
    expect(message).toContain('- train: task wake-sleep runs iterations × recognition.stepsPerIteration steps: leave train.steps and train.epochs out');
  });

  it.each(['list-dreamcoder.yaml', 'list-laps.yaml', 'text-dreamcoder.yaml', 'text-laps.yaml'])('kt run %s, shrunk: completes with its scores and artifacts', async (file) => {
    const shrunk = config(file, [
      'suite.maxTrain=4',
      'suite.maxTest=2',
      'iterations=2',
      'search.maxNodes=600',
      'recognition.stepsPerIteration=2',
      'recognition.dreams=3',
      'train.batchSize=4',
      'train.checkpointEvery=2',
    ]);
    const { summary, runDir } = await run(shrunk, tmpDir());
    expect(summary).toMatchObject({ status: 'completed', steps: 4 });
    expect(Object.keys(summary.test!)).toEqual(expect.arrayContaining(['trainSolved', 'testSolved', 'librarySize', 'iteration2.testSolved']));
    for (const name of ['iterations.json', 'programs.json', 'primitives.txt', 'library.json']) expect(fs.existsSync(path.join(runDir, 'artifacts', name))).toBe(true);
    // The LAPS conditions save their words↔primitives model with the library once a described task is solved.
    expect(loadLibrary(runDir).language !== undefined).toBe(file.includes('laps') && summary.test!['trainSolved']! > 0);
  });

  it('kt run laps-test: the library carries the language model, and kt synthesis solve --description uses it', async () => {
    const { summary, runDir } = await run(tiny(['condition=laps-test']), tmpDir());
    expect(summary.status).toBe('completed');
    expect(summary.test!['trainSolved']).toBeGreaterThan(0);
    const library = loadLibrary(runDir);
    expect(library.language).toBeDefined();
    const programs = JSON.parse(fs.readFileSync(path.join(runDir, 'artifacts', 'programs.json'), 'utf8')) as SolvedProgramsJson;
    const solvedName = Object.keys(programs.train).sort()[0]!;
    const task = listFunctionsSuite().train.find((t) => t.name === solvedName)!;
    const words = descriptionWords(task.descriptions[0]);
    expect(words.length).toBeGreaterThan(0);
    const prior = library.language!.primitivePrior(words, library.grammar.productions)!;
    expect(prior).toHaveLength(library.grammar.productions.length + 1);
    expect(Math.max(...prior)).toBeGreaterThan(0);
    const dir = tmpDir();
    const file = path.join(dir, 'task.json');
    writeTaskFile(file, [task]);
    const solved = await synthesisSolve({ examples: file, library: runDir, workers: 1, maxNodes: 20_000, json: true });
    expect(solved.priors[0]).toEqual({ grammar: 'library', words });
    expect(solved.reports[0]!.solutions.length).toBeGreaterThan(0);
  });

  let finished: RunOutcome | undefined;

  it('kt run: wake, sleep and recognition training per iteration; summary, artifacts, no leaked tensors', async () => {
    const before = tf.memory().numTensors;
    finished = await run(tiny(), tmpDir());
    expect(tf.memory().numTensors).toBe(before);
    const { summary, runDir } = finished;
    expect(summary).toMatchObject({ plugin: 'synthesis', task: 'wake-sleep', status: 'completed', steps: 8, totalSteps: 8 });
    const test = summary.test!;
    expect(test['trainSolved']).toBeGreaterThan(0);
    expect(Object.keys(test).sort()).toEqual(['iteration1.testSolved', 'iteration1.trainSolved', 'iteration2.testSolved', 'iteration2.trainSolved', 'librarySize', 'testSolved', 'trainSolved']);
    expect(test['iteration2.trainSolved']).toBeGreaterThanOrEqual(test['iteration1.trainSolved']!);
    const artifacts = path.join(runDir, 'artifacts');
    const iterations = JSON.parse(fs.readFileSync(path.join(artifacts, 'iterations.json'), 'utf8')) as { iteration: number; trainSolved: number; testSolved: number; librarySize: number }[];
    expect(iterations.map((m) => m.iteration)).toEqual([1, 2]);
    expect(iterations[1]!.trainSolved).toBe(test['trainSolved']);
    // One val line per iteration (train.evalEvery = an iteration): the curves kt report draws.
    expect(valLines(runDir)).toEqual(iterations.map((m, k) => ({ step: 4 * (k + 1), split: 'val', trainSolved: m.trainSolved, testSolved: m.testSolved, librarySize: m.librarySize })));
    // The library is the grammar `kt synthesis solve --library RUN_DIR` reads; learned functions printed readably.
    const library = loadLibrary(runDir).grammar;
    const learned = library.productions.filter((p) => p.kind === 'invented').length;
    expect(learned).toBe(test['librarySize']);
    const primitives = fs.readFileSync(path.join(artifacts, 'primitives.txt'), 'utf8');
    if (learned > 0) expect(primitives).toMatch(/^f1 : .+\n {2}\(lambda /);
    else expect(primitives).toBe('(no functions learned)\n');
    const programs = JSON.parse(fs.readFileSync(path.join(artifacts, 'programs.json'), 'utf8')) as { train: Record<string, { program: string; descriptionLength: number }[]> };
    expect(Object.keys(programs.train)).toHaveLength(Math.round(test['trainSolved']! * 6));
    for (const found of Object.values(programs.train)) expect(found[0]!.descriptionLength).toBeGreaterThan(0);
  });

  it('kt report: the plugin shows the iterations, the learned primitives and the solved programs', () => {
    expect(container.getAll<ReportContribution>(ReportContribution)).toContain(synthesisReportContribution);
    const sections = synthesisReportContribution.sections({ dir: finished!.runDir, id: 'r' });
    expect(sections.map((s) => s.title)).toEqual(['Wake–sleep iterations', 'Learned primitives', 'Solved programs']);
    const iterations = sections[0]!.blocks[0]!;
    expect(iterations.kind === 'table' && iterations.rows.map((r) => r[0])).toEqual(['1', '2']);
    const solved = sections[2]!.blocks[0]!;
    if (solved.kind !== 'table') throw new Error('expected a table');
    expect(solved.rows.length).toBeGreaterThan(0);
    expect(solved.rows[0]![1]).toMatch(/^\(lambda /);
    expect(synthesisReportContribution.sections({ dir: tmpDir(), id: 'empty' })).toEqual([]);
  });

  it('a run killed mid-iteration resumes from its last checkpoint to the same result', async () => {
    const out = tmpDir();
    let stop = false;
    // Interrupted at step 7 of 8 (iteration 2), then the checkpoint written at the interruption is thrown away, as if
    // the process had been killed: the rerun restarts from step 4 (iteration 2's saved state, iteration 1's test).
    const first = await run(tiny(), out, { shouldStop: () => stop, callbacks: [{ onStepEnd: (info) => void (stop = info.step >= 6) }] });
    expect(first.summary.status).toBe('interrupted');
    const checkpoints = path.join(first.runDir, 'checkpoints');
    for (const entry of fs.readdirSync(checkpoints)) if (entry.startsWith('step-') && entry !== checkpointName(4)) fs.rmSync(path.join(checkpoints, entry), { recursive: true });
    fs.writeFileSync(path.join(checkpoints, 'latest.json'), JSON.stringify({ checkpoint: checkpointName(4), step: 4 }));
    expect(fs.existsSync(path.join(first.runDir, 'artifacts', 'iteration-2.json'))).toBe(true);
    const resumed = await run(tiny(), out, { resumeDir: first.runDir });
    expect(resumed.summary.status).toBe('completed');
    expect(outcome(resumed.runDir)).toEqual(outcome(finished!.runDir));
  });
});
