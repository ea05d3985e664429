import { tempDirs } from '@kt/core/testing';
import { compress, Grammar, listPrimitives, loadLibrary, parseType, saveLibrary, showProgram, solveTasksParallel, valueFromJson, type ProgramTask } from '../src';

const tmp = tempDirs('kt-synth-pipe-');

const LI = parseType('list(int) -> list(int)');
function task(name: string, ex: [number[], number[]][]): ProgramTask {
  return { name, request: LI, examples: ex.map(([i, o]) => ({ inputs: [valueFromJson(i)], output: valueFromJson(o) })) };
}

describe('solve → compress → solve (one abstraction sleep, no recognition model)', () => {
  it('learns a function from solutions, saves it, and finds a new task with fewer nodes on worker threads', async () => {
    const base = Grammar.uniform(listPrimitives().filter((p) => ['map', 'cons', 'car', 'cdr', 'empty', 'reverse', '+', '1', '0'].includes(p.name)));
    const budget = { timeoutMs: 600_000, maxNodes: 300_000 };
    const train = [
      task('inc', [
        [[1, 2], [2, 3]],
        [[5], [6]],
      ]),
      task('inc-tail', [
        [[1, 2, 3], [3, 4]],
        [[7, 0], [1]],
      ]),
      task('inc-reverse', [
        [[1, 2, 3], [4, 3, 2]],
        [[7, 0], [1, 8]],
      ]),
    ];
    const found = await solveTasksParallel(train, base, budget, { workers: 2 });
    expect(found.map((r) => r.solutions.length > 0)).toEqual([true, true, true]);
    const frontiers = found.map((r, i) => ({ request: train[i]!.request, programs: r.solutions.map((s) => s.program) }));
    const learned = compress(base, frontiers, { maxNewPrimitives: 1 });
    expect(learned.steps).toHaveLength(1);
    expect(showProgram(learned.fragments[0]!.invented)).toMatch(/map \(lambda \(\+ (1 \$0|\$0 1)\)\)/);

    const dir = tmp();
    saveLibrary(dir, learned.grammar);
    const { grammar: library } = loadLibrary(dir);

    const heldOut = task('inc-tail-twice', [
      [[1, 2, 3, 4], [4, 5]],
      [[9, 9, 0], [1]],
    ]);
    // the worker rebuilds the library's invented function from its text
    const [before, after] = await Promise.all([solveTasksParallel([heldOut, heldOut], base, budget, { workers: 2 }), solveTasksParallel([heldOut, heldOut], library, budget, { workers: 2 })]);
    expect(after[0]!.solutions.length).toBeGreaterThan(0);
    expect(showProgram(after[0]!.solutions[0]!.program)).toContain(showProgram(learned.fragments[0]!.invented));
    expect(after[0]!.nodes).toBeLessThan(before[0]!.nodes);
  });
});
