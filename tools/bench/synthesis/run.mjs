// Program synthesis (issue #16 §4): % of held-out test tasks solved within a fixed per-task search budget, for
// (a) uniform grammar, (b) fitted grammar, (c) + recognition model, (d) + learned library (DreamCoder),
// (e) LAPS (language at training only), (f) LAPS with language at test, after each wake–sleep iteration.
// Resumable per cell: every (suite, condition) checkpoints each iteration under <out>/<suite>/<condition>/
// (wake-sleep.json, artifacts/library.json — what `kt synthesis solve --library DIR` reads); a rerun skips
// finished iterations. Needs the built packages: `npx nx run-many -t build -p @kt/core,@kt/synthesis`.
// Usage: node tools/bench/synthesis/run.mjs [--suite list|text] [--iterations 3] [--nodes 20000] [--timeout 5000]
//          [--out runs/bench-synthesis] [--conditions uniform,fitted,...] [--language-mix 0.5] [--quick]
// --language-mix: share of the uniform distribution in the LAPS word prior (primitivePrior's uniformMix).
// --quick: a small built-in task set to test this script (NOT for reported numbers); without it the suite
// comes from @kt/synthesis's suites (listFunctionsSuite / textEditingSuite) and the run fails if they are absent.
// The table of docs/results/synthesis.md: node tools/bench/synthesis/report.mjs <out>/<suite>/results.json ...
import * as os from 'node:os';
import * as path from 'node:path';
import * as synthesis from '@kt/synthesis';
import { root, table, writeJson, machine, flags } from '../lib.mjs';

const opt = flags({ suite: 'text', iterations: '3', nodes: '20000', timeout: '5000', out: path.join(root, 'runs', 'bench-synthesis'), conditions: synthesis.WAKE_SLEEP_CONDITIONS.join(','), quick: false, docs: false, 'recognition-steps': '100', dreams: '50', workers: '1', 'language-mix': '0.5' });
const LETTERS = { uniform: '(a) uniform grammar', fitted: '(b) fitted grammar', recognition: '(c) + recognition', dreamcoder: '(d) + library (DreamCoder)', 'laps-train': '(e) LAPS, language at training', 'laps-test': '(f) LAPS, language at test' };
const conditions = opt.conditions.split(',');
for (const c of conditions) if (!synthesis.WAKE_SLEEP_CONDITIONS.includes(c)) throw new Error(`--conditions: unknown condition "${c}" (known: ${synthesis.WAKE_SLEEP_CONDITIONS.join(', ')})`);
if (opt.docs) throw new Error('--docs: docs/results/synthesis.md is written by tools/bench/synthesis/report.mjs from the runs\' results.json files');

const toTask = (t) => ({
  name: t.name,
  request: synthesis.parseType(t.type),
  description: (t.descriptions ?? [])[0],
  examples: t.examples.map((e) => ({ inputs: e.inputs.map((v) => synthesis.valueFromJson(v)), output: synthesis.valueFromJson(e.output) })),
});

/** A small built-in list task set (smoke runs only). */
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

function loadSuite() {
  if (opt.quick) return quickSuite();
  const build = opt.suite === 'list' ? synthesis.listFunctionsSuite : opt.suite === 'text' ? synthesis.textEditingSuite : undefined;
  if (opt.suite !== 'list' && opt.suite !== 'text') throw new Error(`--suite must be list or text, got ${opt.suite}`);
  if (typeof build !== 'function') throw new Error(`@kt/synthesis has no ${opt.suite} suite yet (the suites are not merged): use --quick to test the script`);
  return build();
}

const suite = loadSuite();
const train = suite.train.map(toTask);
const test = suite.test.map(toTask);
const base = synthesis.Grammar.uniform([...synthesis.PRIMITIVE_SETS[suite.primitives]().values()]);
const languageMix = Number(opt['language-mix']);
if (!(languageMix >= 0 && languageMix <= 1)) throw new Error(`--language-mix must be in [0, 1], got ${opt['language-mix']}`);
const budget = { maxNodes: Number(opt.nodes), timeoutMs: Number(opt.timeout) };
const outRoot = path.resolve(opt.out, suite.name);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const loadStart = load();
console.log(`suite ${suite.name}: ${train.length} train / ${test.length} test tasks, ${base.productions.length} primitives; budget ${budget.maxNodes} nodes / ${budget.timeoutMs} ms per task; load average ${loadStart}`);

const t0 = Date.now();
const cells = [];
for (const condition of conditions) {
  const t = Date.now();
  const result = await synthesis.runWakeSleep(base, train, test, {
    condition,
    iterations: Number(opt.iterations),
    budget,
    seed: 0,
    recognitionSteps: Number(opt['recognition-steps']),
    dreams: Number(opt.dreams),
    workers: Number(opt.workers),
    dir: path.join(outRoot, condition),
    // (e)/(f): IBM Model 1 words↔primitives fitted on the solved train tasks (runWakeSleep decides where it applies).
    language: condition.startsWith('laps') ? synthesis.ibmLanguageModel({ prior: { uniformMix: languageMix } }) : synthesis.NO_LANGUAGE_MODEL,
    onIteration: (m) => console.log(`${condition} iteration ${m.iteration}: train ${(m.trainSolved * 100).toFixed(1)}%, test ${(m.testSolved * 100).toFixed(1)}%, library ${m.librarySize}`),
  });
  if (result.recognition) for (const w of result.recognition.values()) w.dispose();
  cells.push({ condition, label: LETTERS[condition], metrics: result.metrics, seconds: (Date.now() - t) / 1000 });
  writeJson(path.join(outRoot, 'results.json'), { suite: suite.name, budget, iterations: Number(opt.iterations), languageMix, machine: machine(), loadStart, cells });
}
const loadEnd = load();
const iterations = Number(opt.iterations);
const header = ['condition', ...Array.from({ length: iterations }, (_, i) => `iter ${i + 1} test %`), 'train % (last)', 'library'];
const { text } = table(header, cells.map((c) => [c.label, ...c.metrics.map((m) => (m.testSolved * 100).toFixed(1)), (c.metrics.at(-1).trainSolved * 100).toFixed(1), String(c.metrics.at(-1).librarySize)]));
const inventions = cells.filter((c) => c.metrics.at(-1).librarySize > 0).map((c) => `- ${c.label}:\n${c.metrics.at(-1).inventions.map((i) => `  - \`${i}\``).join('\n')}`).join('\n');
console.log(`\n${text}\n\nlearned library (last iteration):\n${inventions || "(none)"}\n\nload average: ${loadStart} at start, ${loadEnd} at end; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
writeJson(path.join(outRoot, 'results.json'), { suite: suite.name, budget, iterations, languageMix, machine: machine(), loadStart, loadEnd, seconds: (Date.now() - t0) / 1000, cells });
