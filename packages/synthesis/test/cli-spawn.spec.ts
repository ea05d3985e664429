import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDirs } from '@kt/core/testing';
import { Grammar, listPrimitives, saveLibrary } from '../src';

// End-to-end through the built `kt` binary (packages/cli/bin/kt.js), as a user runs it: bad input is exit code 2
// with a message that names the place, and no stack trace. Needs `nx run @kt/synthesis:build` and `@kt/cli:build`
// (the test target depends on both).
const ROOT = path.resolve(__dirname, '..', '..', '..');
const KT_BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'kt.js');
const STACK_LINE = /\n\s+at /;

jest.setTimeout(180_000);

interface SpawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kt(args: readonly string[], cwd: string): Promise<SpawnResult> {
  for (const built of [path.join(ROOT, 'packages', 'cli', 'dist', 'main.js'), path.join(ROOT, 'packages', 'synthesis', 'dist', 'index.js')]) {
    if (!fs.existsSync(built)) throw new Error(`${built} is missing: build first (npx nx run @kt/synthesis:test builds it)`);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, KT_BACKEND: 'cpu' };
  delete env['KT_PLUGINS'];
  delete env['KT_DEBUG'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KT_BIN, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const work = tempDirs('kt-synthesis-spawn-')();

function write(name: string, content: unknown): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

const SUM = { name: 'sum', examples: [{ input: [1, 2], output: 3 }, { input: [4], output: 4 }] };

describe('kt synthesis (spawned): bad input is exit 2 with the place named, no stack trace', () => {
  const cases: Record<string, Promise<SpawnResult>> = {};
  beforeAll(() => {
    const disagree = write('disagree.json', [{ name: 'mixed', examples: [{ input: [1], output: 1 }, { input: [2, 3], output: 5 }, { input: [true], output: 1 }] }]);
    const empty = write('empty.json', [{ name: 'nothing', examples: [] }]);
    const invalid = write('invalid.json', '[\n  {"name": "x",\n   "examples": [{"input": 1, "output": 2},]}\n]\n');
    const library = saveLibrary(path.join(work, 'lib.json'), Grammar.uniform(listPrimitives()));
    const json = JSON.parse(fs.readFileSync(library, 'utf8')) as { grammar: { productions: string[]; unigram: number[] } };
    json.grammar.productions.push('#(lambda (+ $0 (cdr $0)))');
    json.grammar.unigram.push(0);
    fs.writeFileSync(library, JSON.stringify(json));
    const tasks = write('tasks.json', [SUM]);
    const config = write('bad-suite.yaml', `plugin: synthesis\ntask: wake-sleep\nsuite:\n  trainFile: ${invalid}\n`);
    const run = (name: string, args: string[]): void => {
      cases[name] = kt(args, work);
    };
    run('disagree', ['synthesis', 'solve', '--examples', disagree, '--workers', '1']);
    run('empty', ['synthesis', 'solve', '--examples', empty, '--workers', '1']);
    run('invalid', ['synthesis', 'solve', '--examples', invalid, '--workers', '1']);
    run('typeCheck', ['synthesis', 'solve', '--examples', tasks, '--library', library, '--workers', '1']);
    run('runInvalid', ['run', config, '--out', path.join(work, 'runs')]);
    run('emptyDescription', ['synthesis', 'solve', '--examples', tasks, '--description', '', '--workers', '1']);
  });

  const expectUsageError = (r: SpawnResult): void => {
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK_LINE);
  };

  it('examples whose types disagree: which task and example', async () => {
    const r = await cases['disagree']!;
    expectUsageError(r);
    expect(r.stderr).toContain('task "mixed", example 3: has type list(bool) -> int, unlike examples 1–2 (list(int) -> int)');
  });

  it('an empty example list', async () => {
    const r = await cases['empty']!;
    expectUsageError(r);
    expect(r.stderr).toContain('task "nothing": the example list is empty');
  });

  it('a task file that is not valid JSON: line and column', async () => {
    const r = await cases['invalid']!;
    expectUsageError(r);
    expect(r.stderr).toContain(`${path.join(work, 'invalid.json')}:3:43: not valid JSON`);
  });

  it('a program that does not type-check: the production and the subterm', async () => {
    const r = await cases['typeCheck']!;
    expectUsageError(r);
    expect(r.stderr).toContain('#(lambda (+ $0 (cdr $0))) does not type-check at (cdr $0): cdr expects list(t0) but is applied to $0 : int');
  });

  it('an empty --description: the flag named', async () => {
    const r = await cases['emptyDescription']!;
    expectUsageError(r);
    expect(r.stderr).toContain('- description: --description has no words: describe the task (or leave the flag out)');
  });

  it('kt run on a config whose task file is not valid JSON', async () => {
    const r = await cases['runInvalid']!;
    expectUsageError(r);
    expect(r.stderr).toContain(`${path.join(work, 'invalid.json')}:3:43: not valid JSON`);
  });
});
