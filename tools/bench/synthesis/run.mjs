// Program synthesis (issue #16 §4): % of held-out test tasks solved within a fixed per-task search budget, for
// (a) uniform grammar, (b) fitted grammar, (c) + recognition model, (d) + learned library (DreamCoder),
// (e) LAPS (language at training only), (f) LAPS with language at test, after each wake–sleep iteration.
// Each (suite, condition) cell is a kt run of the synthesis plugin's task wake-sleep (core.runExperiment, as
// `kt run` runs it) in <out>/<suite>/<condition>/: config.json, metrics.jsonl (per iteration: val.trainSolved,
// val.testSolved, val.librarySize — the curves of `kt report`), checkpoints/ (one per iteration), summary.json and
// artifacts/ (library.json — what `kt synthesis solve --library DIR` reads, with the LAPS word tables in (e)/(f) —,
// primitives, programs, iterations.json). Resumable per iteration: a rerun skips finished cells and resumes an
// unfinished one from its last checkpoint (`kt run --resume DIR` does the same by hand). Needs the built packages:
// `npx nx run-many -t build -p @kt/core,@kt/synthesis` (and @kt/cli with --figures).
// Usage: node tools/bench/synthesis/run.mjs [--suite list|text] [--iterations 3] [--nodes 20000] [--timeout 5000]
//          [--out runs/bench-synthesis] [--conditions uniform,fitted,...] [--language-mix 0.5] [--language-weight 1]
//          [--recognition-steps 100] [--dreams 50] [--workers 1] [--seed 0] [--quick] [--figures]
// --timeout: milliseconds per task (search.timeoutSeconds); --language-mix: share of the uniform distribution in the
// LAPS word prior (language.uniformMix); --language-weight: weight of log p(descriptions | programs) in the LAPS
// conditions' compression (library.languageWeight; 0 = MDL alone); --recognition-steps: trainer steps of the
// recognition model per iteration (recognition.stepsPerIteration); --seed: train.seed of every cell (the recognition model's
// initialisation, its batches and the dreams; (a) and (b) do not depend on it) — give each seed its own --out.
// --quick: a small built-in task set and (unless given) 2 iterations of 4 recognition steps, 4 dreams, 3000 nodes,
// to test this script (NOT for reported numbers); without it the suite comes from @kt/synthesis's suites
// (listFunctionsSuite / textEditingSuite).
// --figures: at the end, `kt report` on the cells' run directories draws docs/results/fig/synthesis-<suite>[-quick]/
// (test/train % solved and library size per iteration, one line per condition) and synthesis.md's Figures section.
// The table of docs/results/synthesis.md: node tools/bench/synthesis/report.mjs <out>/<suite>/results.json ...
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@kt/core';
import * as synthesis from '@kt/synthesis';
import { root, table, writeJson, machine, flags } from '../lib.mjs';
import { writeFigures } from '../figures.mjs';

const opt = flags({
  suite: 'text',
  iterations: '3',
  nodes: '20000',
  timeout: '5000',
  out: path.join(root, 'runs', 'bench-synthesis'),
  conditions: synthesis.WAKE_SLEEP_CONDITIONS.join(','),
  quick: false,
  docs: false,
  figures: false,
  'recognition-steps': '100',
  dreams: '50',
  workers: '1',
  'language-mix': '0.5',
  'language-weight': '1',
  seed: '0',
});
// --quick also shrinks the schedule unless the flags are given: a smoke test of the script, seconds per cell.
if (opt.quick) {
  const given = (k) => process.argv.includes(`--${k}`);
  for (const [k, v] of Object.entries({ iterations: '2', nodes: '3000', 'recognition-steps': '4', dreams: '4' })) if (!given(k)) opt[k] = v;
}
const LETTERS = { uniform: '(a) uniform grammar', fitted: '(b) fitted grammar', recognition: '(c) + recognition', dreamcoder: '(d) + library (DreamCoder)', 'laps-train': '(e) LAPS, language at training', 'laps-test': '(f) LAPS, language at test' };
const conditions = opt.conditions.split(',');
for (const c of conditions) if (!synthesis.WAKE_SLEEP_CONDITIONS.includes(c)) throw new Error(`--conditions: unknown condition "${c}" (known: ${synthesis.WAKE_SLEEP_CONDITIONS.join(', ')})`);
if (opt.docs) throw new Error('--docs: docs/results/synthesis.md is written by tools/bench/synthesis/report.mjs from the runs\' results.json files');
if (!opt.quick && opt.suite !== 'list' && opt.suite !== 'text') throw new Error(`--suite must be list or text, got ${opt.suite}`);

const iterations = Number(opt.iterations);
const stepsPerIteration = Number(opt['recognition-steps']);
const budget = { maxNodes: Number(opt.nodes), timeoutMs: Number(opt.timeout) };
const languageMix = Number(opt['language-mix']);
const languageWeight = Number(opt['language-weight']);
if (!(languageMix >= 0 && languageMix <= 1)) throw new Error(`--language-mix must be in [0, 1], got ${opt['language-mix']}`);
if (!(languageWeight >= 0)) throw new Error(`--language-weight must be a number ≥ 0, got ${opt['language-weight']}`);

/** A small built-in list task set (smoke runs only), as suite tasks (written to task files for the runs). */
function quickSuite() {
  const mk = (name, src, description) => {
    const program = synthesis.parseProgram(src);
    const examples = [[1, 2, 3], [4, 0], [7], [2, 5, 1, 3]].map((input) => ({ inputs: [input], output: synthesis.valueToJson(synthesis.runProgram(program, [input]), synthesis.parseType('list(int)')) }));
    return { name, family: name, type: 'list(int) -> list(int)', descriptions: [description], examples };
  };
  const train = [mk('inc', '(lambda (map (lambda (+ $0 1)) $0))', 'add one to each'), mk('double', '(lambda (map (lambda (+ $0 $0)) $0))', 'double each'), mk('square', '(lambda (map (lambda (* $0 $0)) $0))', 'square each'), mk('rev', '(lambda (reverse $0))', 'reverse the list'), mk('tail', '(lambda (cdr $0))', 'drop the first')];
  const test = [mk('inc2', '(lambda (map (lambda (+ $0 (+ 1 1))) $0))', 'add two to each'), mk('rev-inc', '(lambda (reverse (map (lambda (+ $0 1)) $0)))', 'add one to each and reverse')];
  return { name: 'quick', primitives: 'list', train, test };
}

// The suites' own names (listFunctionsSuite().name, textEditingSuite().name): the report's section headings.
const suiteName = opt.quick ? 'quick' : { list: 'list-functions', text: 'text-editing' }[opt.suite];
const outRoot = path.resolve(opt.out, suiteName);
/** The `suite` of the cells' configs: the built-in suite, or (--quick) task files written under <out>/quick/. */
function suiteConfig() {
  if (!opt.quick) return { name: opt.suite };
  const q = quickSuite();
  const trainFile = path.join(outRoot, 'tasks', 'train.json');
  const testFile = path.join(outRoot, 'tasks', 'test.json');
  synthesis.writeTaskFile(trainFile, q.train);
  synthesis.writeTaskFile(testFile, q.test);
  return { trainFile, testFile, primitives: q.primitives };
}

const log = core.createConsoleLogger({ quiet: false });
const backend = await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => log.info(l) });
const registry = new core.PluginRegistry([{ plugin: synthesis.synthesisPlugin, from: '@kt/synthesis' }]);
const container = core.buildContainer([synthesis.synthesisPlugin]);
const suite = suiteConfig();
// Every cell starts from the suite's shipped DreamCoder config; only `condition` (and the name) differ between cells,
// so `kt report` labels each curve by its condition.
const baseFile = path.join(synthesis.synthesisPlugin.configsDir, `${opt.quick ? 'list' : opt.suite}-dreamcoder.yaml`);

function cellConfig(condition) {
  const raw = core.readConfigFile(baseFile);
  Object.assign(raw, {
    name: `bench-synthesis-${suiteName}-${condition}`,
    description: `tools/bench/synthesis/run.mjs cell (${suiteName} suite)`,
    suite,
    condition,
    iterations,
    search: { ...raw.search, maxNodes: budget.maxNodes, timeoutSeconds: budget.timeoutMs / 1000, workers: Number(opt.workers) },
    recognition: { ...raw.recognition, stepsPerIteration, dreams: Number(opt.dreams) },
    library: { ...raw.library, languageWeight },
    language: { uniformMix: languageMix },
    // A checkpoint and a validation (the iteration's train/test % solved and library size) at every iteration's end.
    train: { ...raw.train, seed: Number(opt.seed), checkpointEvery: stepsPerIteration, evalEvery: stepsPerIteration, logEvery: Math.max(1, Math.floor(stepsPerIteration / 4)) },
  });
  return core.resolveExperimentConfig(raw, registry, baseFile);
}

/** A cell found on disk must have been run with what this invocation asks for (else its numbers would mix). */
function checkSettings(dir, config) {
  if (!fs.existsSync(path.join(dir, 'config.json'))) throw new Error(`${dir} exists but is not a kt run directory (a run of the older bench driver?): use another --out`);
  const stored = core.readRunConfig(dir);
  const keys = ['suite', 'condition', 'iterations', 'search', 'recognition', 'library', 'language', 'train'];
  const differing = keys.filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(config[k]));
  if (differing.length > 0) throw new Error(`${dir}: a run with other settings (${differing.join(', ')} differ): rerun with its settings or use another --out`);
}

/** The iterations' metrics of a cell: artifacts/iterations.json when finished, else the test records so far. */
function iterationMetrics(dir) {
  const file = path.join(dir, 'artifacts', 'iterations.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const out = [];
  for (let k = 1; fs.existsSync(path.join(dir, 'artifacts', `test-${k}.json`)); k++) out.push(JSON.parse(fs.readFileSync(path.join(dir, 'artifacts', `test-${k}.json`), 'utf8')).metrics);
  return out;
}

async function runCell(condition) {
  const dir = path.join(outRoot, condition);
  const config = cellConfig(condition);
  if (fs.existsSync(dir)) checkSettings(dir, config);
  const summary = core.readSummary(dir);
  if (summary?.status === 'completed') {
    log.info(`${condition}: finished earlier (${dir})`);
    return summary;
  }
  // The task logs each iteration's wake, library and train / test % solved.
  const common = { container, log: core.prefixedLogger(log, `[${condition}] `), backend: backend.name, progress: false };
  if (fs.existsSync(dir)) {
    log.info(`${condition}: resuming ${dir}`);
    return (await core.runExperiment({ ...common, config: core.resolveExperimentConfig(core.readRunConfig(dir), registry), resumeDir: dir })).summary;
  }
  return (await core.runExperiment({ ...common, config, runDir: dir })).summary;
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const loadStart = load();
log.info(`suite ${suiteName}: ${conditions.length} conditions × ${iterations} iterations of ${stepsPerIteration} recognition steps; budget ${budget.maxNodes} nodes / ${budget.timeoutMs} ms per task; backend ${backend.name}; load average ${loadStart}`);

const t0 = Date.now();
const cells = [];
const results = (extra) => ({ suite: suiteName, seed: Number(opt.seed), budget, iterations, languageMix, languageWeight, stepsPerIteration, machine: machine(), loadStart, cells, ...extra });
for (const condition of conditions) {
  const summary = await runCell(condition);
  const dir = path.join(outRoot, condition);
  if (summary.status !== 'completed') throw new Error(`${condition}: the run ended ${summary.status}${summary.error ? ` (${summary.error})` : ''}; ${dir} resumes on a rerun`);
  // The learned functions by name, type and readable body (f3 = (f2 '.')), as the run's artifacts/primitives.json has them.
  const primitivesFile = path.join(dir, 'artifacts', 'primitives.json');
  const primitives = fs.existsSync(primitivesFile) ? JSON.parse(fs.readFileSync(primitivesFile, 'utf8')).map(({ name, type, readable }) => ({ name, type, readable })) : undefined;
  cells.push({ condition, label: LETTERS[condition], runDir: path.relative(root, dir), metrics: iterationMetrics(dir), seconds: summary.timings.totalSeconds, ...(primitives ? { primitives } : {}) });
  writeJson(path.join(outRoot, 'results.json'), results({}));
}
const loadEnd = load();
const header = ['condition', ...Array.from({ length: iterations }, (_, i) => `iter ${i + 1} test %`), 'train % (last)', 'library'];
const { text } = table(header, cells.map((c) => [c.label, ...c.metrics.map((m) => (m.testSolved * 100).toFixed(1)), (c.metrics.at(-1).trainSolved * 100).toFixed(1), String(c.metrics.at(-1).librarySize)]));
const inventions = cells.filter((c) => c.metrics.at(-1).librarySize > 0).map((c) => `- ${c.label}:\n${c.metrics.at(-1).inventions.map((i) => `  - \`${i}\``).join('\n')}`).join('\n');
console.log(`\n${text}\n\nlearned library (last iteration):\n${inventions || '(none)'}\n\nload average: ${loadStart} at start, ${loadEnd} at end; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
writeJson(path.join(outRoot, 'results.json'), results({ loadEnd, seconds: (Date.now() - t0) / 1000 }));
if (opt.figures) {
  writeFigures({
    bench: `synthesis-${suiteName}`,
    doc: 'synthesis',
    runDirs: cells.map((c) => path.resolve(root, c.runDir)),
    title: `Program synthesis, ${suiteName} suite${opt.quick ? ' (--quick)' : ''}`,
    heading: `${suiteName} suite${opt.quick ? ' (reduced run)' : ''}`,
    source: `node tools/bench/synthesis/run.mjs ${process.argv.slice(2).join(' ')}`,
  });
}
