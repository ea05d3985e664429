import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { configErrorOf, tempDirs } from '@kt/core/testing';
import {
  compress,
  descriptionWords,
  Grammar,
  ibmLanguageModel,
  jsonErrorOffset,
  listPrimitives,
  loadLibrary,
  loadTaskFile,
  parseProgram,
  parseType,
  saveLibrary,
  showType,
  synthesisSolve,
  synthesisSolveContribution,
} from '../src';

const tmp = tempDirs('kt-synth-');

function write(dir: string, name: string, content: unknown): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

const SUM_TASK = {
  name: 'sum',
  description: 'add up the numbers',
  examples: [
    { input: [1, 2, 3], output: 6 },
    { input: [], output: 0 },
    { input: [10, -4], output: 6 },
  ],
};
const SECOND_TASK = {
  name: 'second',
  examples: [
    { input: [1, 2, 3], output: 2 },
    { input: [7, 8], output: 8 },
  ],
};


describe('task files', () => {
  it('loads tasks and infers their types from the examples', () => {
    const d = tmp();
    const f = write(d, 'tasks.json', [
      SUM_TASK,
      { name: 'shout', description: ['upper-case it', 'make it loud'], examples: [{ input: 'ab', output: 'AB' }] },
      { name: 'pair', examples: [{ inputs: [2, [1, 2]], output: [true] }, { inputs: [0, []], output: [] }] },
      { name: 'typed', type: 'list(t0) -> int', examples: [{ input: [], output: 0 }] },
    ]);
    const tasks = loadTaskFile(f);
    expect(tasks.map((t) => [t.name, showType(t.request)])).toEqual([
      ['sum', 'list(int) -> int'],
      ['shout', 'str -> str'],
      ['pair', 'int -> list(int) -> list(bool)'],
      ['typed', 'list(t0) -> int'],
    ]);
    expect(tasks[1]!.descriptions).toEqual(['upper-case it', 'make it loud']);
    expect(tasks[0]!.examples[2]!.inputs).toEqual([[10, -4]]);
  });

  it('names the example whose types disagree', async () => {
    const d = tmp();
    const f = write(d, 'tasks.json', [
      {
        name: 'mixed',
        examples: [
          { input: [1], output: 1 },
          { input: [2, 3], output: 5 },
          { input: [true], output: 1 },
        ],
      },
    ]);
    const e = configErrorOf(() => loadTaskFile(f));
    expect(e).toBe(`${f}: task "mixed", example 3: has type list(bool) -> int, unlike examples 1–2 (list(int) -> int)`);
    const g = write(d, 'inner.json', [{ name: 'inner', examples: [{ input: [1, 'a'], output: 1 }] }]);
    expect(configErrorOf(() => loadTaskFile(g))).toBe(`${g}: task "inner", example 1: input[1]: has type str but earlier elements are int`);
    const h = write(d, 'declared.json', [{ name: 'declared', type: 'int -> int', examples: [{ input: 'x', output: 1 }] }]);
    expect(configErrorOf(() => loadTaskFile(h))).toMatch(/example 1: has type str -> int, unlike the declared type \(int -> int\)/);
  });

  it('rejects an empty example list', async () => {
    const d = tmp();
    const f = write(d, 'tasks.json', [{ name: 'nothing', examples: [] }]);
    expect(configErrorOf(() => loadTaskFile(f))).toBe(`${f}: task "nothing": the example list is empty`);
  });

  it('reports invalid JSON with line and column', async () => {
    const d = tmp();
    const f = write(d, 'bad.json', '[\n  {"name": "x",\n   "examples": [{"input": 1, "output": 2},]}\n]\n');
    const e = configErrorOf(() => loadTaskFile(f));
    expect(e).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:43: not valid JSON`));
  });

  it('locates JSON syntax errors that JSON.parse does not place', () => {
    for (const [text, offset] of [
      ['[1, 2,]', 6],
      ['{"a" 1}', 5],
      ['[1, 2', 5],
      ['"abc', 4],
      ['[01]', 2],
      ['[tru]', 4],
      ['[1] x', 4],
      ['{"a": [1, {"b": "\\q"}]}', 18],
    ] as const) {
      expect(jsonErrorOffset(text)).toBe(offset);
      expect(() => JSON.parse(text)).toThrow();
    }
  });

  it('names the field of a malformed task', async () => {
    const d = tmp();
    const f = write(d, 'shape.json', [{ name: 'x', examples: [{ input: 1 }] }]);
    expect(configErrorOf(() => loadTaskFile(f))).toMatch(/0\.examples\.0\.output: missing "output"/);
    const g = write(d, 'frac.json', [{ name: 'x', examples: [{ input: 1.5, output: 1 }] }]);
    expect(configErrorOf(() => loadTaskFile(g))).toMatch(/example 1: input: 1.5 is not an integer/);
  });
});

describe('kt synthesis solve', () => {
  it('prints the best programs with their types and description lengths', async () => {
    const d = tmp();
    const shout = { name: 'shout', examples: [{ input: 'abc', output: 'ABC' }, { input: 'hi there', output: 'HI THERE' }] };
    const f = write(d, 'tasks.json', [SUM_TASK, SECOND_TASK, shout]);
    const r = await synthesisSolve({ examples: f, timeout: 600, maxNodes: 400_000, workers: 1 });
    expect(r.reports.map((x) => x.solutions.length > 0)).toEqual([true, true, true]);
    // each task searches its own primitive set: list for sum (which has `sum`), text for shout
    expect(r.text).toContain('1. (lambda (upper $0))');
    expect(r.text).toContain('task sum : list(int) -> int  (3 examples)');
    expect(r.text).toContain('  description: add up the numbers');
    expect(r.text).toMatch(/ {2}1\. \(lambda \(sum \$0\)\)\n {5}type list\(int\) -> int {3}description length \d+\.\d\d nats/);
    expect(r.text).toContain('1. (lambda (car (cdr $0)))');
    expect(r.text).toMatch(/3\/3 tasks solved\n$/);
  });

  it('is a subcommand of kt synthesis, with --json and a bare example list', async () => {
    const d = tmp();
    const f = write(d, 'second.json', SECOND_TASK.examples);
    let out = '';
    const program = new Command('kt').exitOverride().configureOutput({ writeOut: (s) => (out += s) });
    synthesisSolveContribution.configure(program);
    await program.parseAsync(['node', 'kt', 'synthesis', 'solve', '--examples', f, '--description', 'the second element', '--json', '--workers', '1', '--timeout', '600']);
    const json = JSON.parse(out) as { task: string; type: string; solutions: { program: string; type: string; descriptionLength: number }[] }[];
    expect(json[0]!.task).toBe('second');
    expect(json[0]!.solutions[0]!.program).toBe('(lambda (car (cdr $0)))');
    expect(json[0]!.solutions[0]!.type).toBe('list(t0) -> t0');
  });

  it('searches with a learned library from a run directory', async () => {
    const d = tmp();
    const base = Grammar.uniform(listPrimitives());
    const LI = parseType('list(int) -> list(int)');
    const learned = compress(
      base,
      ['(lambda (map (lambda (+ $0 1)) (reverse $0)))', '(lambda (map (lambda (+ $0 1)) (cdr $0)))', '(lambda (cons 0 (map (lambda (+ $0 1)) $0)))'].map((s) => ({
        request: LI,
        programs: [parseProgram(s)],
      })),
      { maxNewPrimitives: 1 },
    );
    const run = path.join(d, 'run');
    saveLibrary(run, learned.grammar);
    expect(loadLibrary(run).grammar.productions).toHaveLength(learned.grammar.productions.length);
    const f = write(d, 'inc.json', [{ name: 'inc-tail', examples: [{ input: [1, 2, 3], output: [3, 4] }, { input: [5, 0], output: [1] }] }]);
    const r = await synthesisSolve({ examples: f, library: run, timeout: 600, maxNodes: 400_000, workers: 1 });
    expect(r.text).toContain('1. (lambda (#(map (lambda (+ $0 1))) (cdr $0)))');
  });

  it('rejects a library whose invented function does not type-check, naming where', async () => {
    const d = tmp();
    const g = Grammar.uniform(listPrimitives());
    const file = saveLibrary(path.join(d, 'lib.json'), g);
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.grammar.productions.push('#(lambda (+ $0 (cdr $0)))');
    json.grammar.unigram.push(0);
    fs.writeFileSync(file, JSON.stringify(json));
    const f = write(d, 'tasks.json', [SUM_TASK]);
    const e = await configErrorOf(() => synthesisSolve({ examples: f, library: file, workers: 1 }));
    expect(e).toContain(`${file}: grammar.productions[${g.productions.length}]: #(lambda (+ $0 (cdr $0))) does not type-check at (cdr $0): cdr expects list(t0) but is applied to $0 : int`);
    const missing = await configErrorOf(() => synthesisSolve({ examples: f, library: path.join(d, 'no-run'), workers: 1 }));
    expect(missing).toMatch(/--library: .*no-run does not exist/);
  });
});

describe('kt synthesis solve --description: the library\'s language model conditions the search', () => {
  // sum and length both fit a list of ones; under a uniform grammar they are equally long.
  const ONES = {
    name: 'ones',
    examples: [
      { input: [1, 1, 1], output: 3 },
      { input: [1], output: 1 },
      { input: [], output: 0 },
    ],
  };
  const LENGTH = '(lambda (length $0))';
  const SUM = '(lambda (sum $0))';

  /** A library: the uniform list grammar and a word table fitted on two described programs ("count" ↔ length, "add up" ↔ sum). */
  function describedLibrary(dir: string): string {
    const lm = ibmLanguageModel();
    lm.fit([
      { words: descriptionWords('count the items'), programs: [parseProgram(LENGTH)] },
      { words: descriptionWords('add up the numbers'), programs: [parseProgram(SUM)] },
    ]);
    const run = path.join(dir, 'laps-run');
    saveLibrary(run, Grammar.uniform(listPrimitives()), lm.toJson());
    return run;
  }

  const solve = (examples: string, library: string | undefined, description?: string): ReturnType<typeof synthesisSolve> =>
    synthesisSolve({ examples, library, description, timeout: 600, maxNodes: 400_000, workers: 1, json: true });
  type JsonTask = { solutions: { program: string; descriptionLength: number }[]; prior: { grammar: string; words?: string[]; notice?: string; text: string } };
  const parsed = (text: string): JsonTask => (JSON.parse(text) as JsonTask[])[0]!;

  it('ranks the program the words describe first and shortens it; --json says which prior', async () => {
    const d = tmp();
    const run = describedLibrary(d);
    expect(loadLibrary(run).language).toBeDefined();
    const f = write(d, 'ones.json', [ONES]);
    const plain = parsed((await solve(f, run)).text);
    expect(plain.prior).toEqual({ grammar: 'library', text: "the library's grammar" });
    const dl = (t: JsonTask, program: string): number => t.solutions.find((s) => s.program === program)!.descriptionLength;
    // Without words the two are tied: the order between them says nothing.
    expect(dl(plain, LENGTH)).toBeCloseTo(dl(plain, SUM), 9);

    const count = parsed((await solve(f, run, 'count the items')).text);
    expect(count.prior).toMatchObject({ grammar: 'library', words: ['count', 'the', 'items'] });
    expect(count.prior.text).toBe("the library's grammar conditioned on the description's words: count the items");
    expect(count.solutions[0]!.program).toBe(LENGTH);
    expect(count.solutions[0]!.descriptionLength).toBeLessThan(dl(plain, LENGTH) - 0.5);

    const add = parsed((await solve(f, run, 'add up the numbers')).text);
    expect(add.solutions[0]!.program).toBe(SUM);
    expect(add.solutions[0]!.descriptionLength).toBeLessThan(dl(plain, SUM) - 0.5);

    // A description in the task file works the same; the text output names the prior.
    const g = write(d, 'described.json', [{ ...ONES, description: 'count the items' }]);
    const r = await synthesisSolve({ examples: g, library: run, timeout: 600, maxNodes: 400_000, workers: 1 });
    expect(r.text).toContain("  prior: the library's grammar conditioned on the description's words: count the items\n");
    expect(r.text).toContain(`  1. ${LENGTH}\n`);
    expect(r.text).not.toContain('note:');
  });

  it('says why a description cannot be used: no --library, or a library without a language model', async () => {
    const d = tmp();
    const f = write(d, 'ones.json', [ONES]);
    const bare = await synthesisSolve({ examples: f, description: 'count the items', timeout: 600, maxNodes: 400_000, workers: 1 });
    expect(bare.text).toContain('  prior: uniform grammar over the list primitives\n');
    expect(bare.text).toContain('  note: the description is not used: no --library: only a library with a language model (saved by a laps-train or laps-test run) turns words into a prior\n');
    const run = path.join(d, 'dreamcoder-run');
    saveLibrary(run, Grammar.uniform(listPrimitives()));
    expect(loadLibrary(run).language).toBeUndefined();
    const json = parsed((await solve(f, run, 'count the items')).text);
    expect(json.prior.words).toBeUndefined();
    expect(json.prior.notice).toBe(`${path.join(run, 'artifacts', 'library.json')} has no language model (only runs of the LAPS conditions laps-train and laps-test save one)`);
    // No description: nothing to say.
    expect(parsed((await solve(f, run)).text).prior.notice).toBeUndefined();
  });

  it('rejects a description without words and a library whose language model is malformed, naming the field', async () => {
    const d = tmp();
    const f = write(d, 'ones.json', [ONES]);
    await expect(synthesisSolve({ examples: f, description: '  ', workers: 1 })).rejects.toThrow('--description has no words');
    const file = path.join(describedLibrary(d), 'artifacts', 'library.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.language.tokensGivenWords.unknownMass = 2;
    fs.writeFileSync(file, JSON.stringify(json));
    const e = await configErrorOf(() => synthesisSolve({ examples: f, library: file, description: 'count the items', workers: 1 }));
    expect(e).toContain(file);
    expect(e).toMatch(/- language\.tokensGivenWords\.unknownMass: /);
  });
});
