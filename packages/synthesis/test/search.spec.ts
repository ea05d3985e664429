import {
  bigramKey,
  derive,
  descriptionLength,
  enumerateByCost,
  enumerateWindow,
  fitGrammar,
  Grammar,
  inferType,
  listPrimitives,
  parseProgram,
  parseType,
  sampleProgram,
  showProgram,
  solveTask,
  solveTasksParallel,
  textPrimitives,
  TypeContext,
  valueFromJson,
  type ProgramTask,
} from '../src';

const pick = (names: string[]): Grammar => Grammar.uniform(listPrimitives().filter((p) => names.includes(p.name)));
const small = pick(['map', 'filter', 'fold', 'cons', 'car', 'cdr', 'empty', '+', '*', '1', '2', '0', 'gt?', 'sum', 'length', 'reverse']);

function task(name: string, type: string, ex: [unknown, unknown][]): ProgramTask {
  return { name, request: parseType(type), examples: ex.map(([i, o]) => ({ inputs: [valueFromJson(i)], output: valueFromJson(o) })) };
}

const INC = task('inc', 'list(int) -> list(int)', [
  [[1, 2, 3], [2, 3, 4]],
  [[5], [6]],
  [[0, 9], [1, 10]],
]);
const DOUBLE = task('double', 'list(int) -> list(int)', [
  [[1, 2, 3], [2, 4, 6]],
  [[5], [10]],
]);
const SUM = task('sum', 'list(int) -> int', [
  [[1, 2, 3], 6],
  [[], 0],
]);
const SECOND = task('second', 'list(int) -> int', [
  [[1, 2, 3], 2],
  [[7, 8], 8],
]);

describe('grammar', () => {
  it('normalises over the choices whose type fits', () => {
    const ctx = new TypeContext(100);
    const cands = small.candidates(ctx, [parseType('list(int)')], parseType('list(int)'), -1, 0);
    const names = cands.map((c) => showProgram(c.program)).sort();
    expect(names).toEqual(['$0', 'car', 'cdr', 'cons', 'empty', 'filter', 'fold', 'map', 'reverse'].sort());
    expect(cands.reduce((s, c) => s + Math.exp(c.logProb), 0)).toBeCloseTo(1, 10);
    const ints = small.candidates(ctx, [], parseType('int'), -1, 0).map((c) => showProgram(c.program));
    expect(ints).not.toContain('cons');
    expect(ints).toContain('length');
  });

  it('derives enumerated programs with the same log prior, and round-trips through JSON', () => {
    const req = parseType('list(int) -> int');
    const seen = new Set<string>();
    enumerateWindow(small, req, 0, 8, (p, lp) => {
      const s = showProgram(p);
      expect(seen.has(s)).toBe(false);
      seen.add(s);
      expect(showProgramType(s)).toBeDefined();
      expect(derive(small, req, p)!.logProb).toBeCloseTo(lp, 9);
    });
    expect(seen.size).toBeGreaterThan(20);
    const back = Grammar.fromJson(JSON.parse(JSON.stringify(small.toJson())));
    expect(back.productions.map((p) => p.kind === 'primitive' && p.name)).toEqual(small.productions.map((p) => p.kind === 'primitive' && p.name));
  });

  it('bounds the nesting when a production costs almost nothing (a sharp recognition prediction), instead of overflowing the stack', () => {
    // cdr : list → list with nearly all the mass: each level costs ~1e-9 nats, so the cost bound never stops the descent.
    const base = pick(['cdr', 'reverse', 'empty']);
    const sharp = new Grammar(base.productions, base.productions.map((p) => (p.kind === 'primitive' && p.name === 'cdr' ? 0 : -25)).concat(-25));
    const req = parseType('list(int) -> list(int)');
    const depthOf = (src: string): number => (src.match(/\(cdr /g) ?? []).length;
    let deepest = 0;
    const stats = enumerateWindow(sharp, req, 0, 30, (p) => (deepest = Math.max(deepest, depthOf(showProgram(p)))), { maxNodes: 1_000_000 });
    expect(stats.programs).toBeGreaterThan(0);
    expect(deepest).toBe(19); // 20 levels: 19 cdr applications around a leaf
    let shallow = 0;
    enumerateWindow(sharp, req, 0, 30, (p) => (shallow = Math.max(shallow, depthOf(showProgram(p)))), { maxNodes: 1_000_000, maxDepth: 5 });
    expect(shallow).toBe(4);
  });

  it('gives -Infinity log prior (Infinity length) to what it cannot derive', () => {
    expect(descriptionLength(small, parseType('list(int) -> int'), parseProgram('(lambda (index 0 $0))'))).toBe(Infinity);
    expect(derive(small, parseType('int'), parseProgram('(cons 1 empty)'))).toBeUndefined();
  });
});

function showProgramType(src: string): string | undefined {
  try {
    return JSON.stringify(inferType(parseProgram(src)));
  } catch {
    return undefined;
  }
}

describe('enumeration', () => {
  it('yields programs in decreasing prior probability across windows', () => {
    const lps: number[] = [];
    enumerateByCost(
      small,
      parseType('list(int) -> list(int)'),
      (_, lp) => {
        lps.push(lp);
        return lps.length >= 300;
      },
      { increment: 1 },
    );
    expect(lps.length).toBe(300);
    for (let i = 1; i < lps.length; i++) expect(lps[i]!).toBeLessThanOrEqual(lps[i - 1]! + 1e-12);
  });

  it('stops at the node budget and reports it', () => {
    const r = solveTask(task('impossible', 'list(int) -> int', [[[1], 99]]), small, { maxNodes: 500, timeoutMs: 600_000 });
    expect(r.stoppedBy).toBe('nodes');
    expect(r.nodes).toBe(501);
    expect(r.solutions).toEqual([]);
  });

  it('stops at the time budget', () => {
    const r = solveTask(task('impossible', 'list(int) -> int', [[[1], 99]]), small, { timeoutMs: 200 });
    expect(r.stoppedBy).toBe('time');
    expect(r.elapsedMs).toBeLessThan(5000);
  });
});

describe('solving', () => {
  it.each([
    [SUM, '(lambda (sum $0))'],
    [SECOND, '(lambda (car (cdr $0)))'],
    [INC, '(lambda (map (lambda (+ 1 $0)) $0))'],
  ])('solves %#', (t, expected) => {
    const r = solveTask(t, small, { timeoutMs: 600_000, maxNodes: 400_000 });
    expect(r.stoppedBy).toBe('solved');
    const best = r.solutions[0]!;
    expect(showProgram(best.program)).toBe(expected);
    expect(best.descriptionLength).toBeCloseTo(descriptionLength(small, t.request, best.program), 9);
  });

  it('prunes observationally equivalent arguments: fewer nodes, same best program', () => {
    const budget = { timeoutMs: 600_000, maxNodes: 400_000 };
    const withOe = solveTask(INC, small, budget);
    const without = solveTask(INC, small, { ...budget, observationalEquivalence: false });
    expect(withOe.pruned).toBeGreaterThan(0);
    expect(without.pruned).toBe(0);
    expect(withOe.nodes).toBeLessThan(without.nodes);
    expect(showProgram(withOe.solutions[0]!.program)).toBe(showProgram(without.solutions[0]!.program));
  });

  it('solves tasks of two arguments, with pruning evaluating $0 as the last argument', () => {
    const two = (name: string, ex: [unknown, unknown, unknown][]): ProgramTask => ({
      name,
      request: parseType('int -> list(int) -> list(int)'),
      examples: ex.map(([n, xs, o]) => ({ inputs: [valueFromJson(n), valueFromJson(xs)], output: valueFromJson(o) })),
    });
    const addN = two('add-n', [
      [2, [1, 2], [3, 4]],
      [5, [0], [5]],
      [0, [7, 1], [7, 1]],
    ]);
    // (cdr $0) is a pruned argument: evaluated with the arguments the wrong way round it would fail like (cdr empty)
    const replaceHead = two('replace-head', [
      [2, [1, 2], [2, 2]],
      [5, [7, 8, 9], [5, 8, 9]],
    ]);
    const budget = { timeoutMs: 600_000, maxNodes: 400_000 };
    for (const [t, expected] of [
      [addN, '(lambda (lambda (map (lambda (+ $0 $2)) $0)))'],
      [replaceHead, '(lambda (lambda (cons $1 (cdr $0))))'],
    ] as const) {
      const withOe = solveTask(t, small, budget);
      const without = solveTask(t, small, { ...budget, observationalEquivalence: false });
      expect(showProgram(withOe.solutions[0]!.program)).toBe(expected);
      expect(withOe.solutions[0]!.descriptionLength).toBeCloseTo(without.solutions[0]!.descriptionLength, 9);
    }
  });

  it('solves a string task', () => {
    const g = Grammar.uniform(textPrimitives().filter((p) => ['map', 'upper-char', 'upper', 'car', 'cdr', 'cons', 'SPACE', 'split', 'join'].includes(p.name)));
    const t = task('shout', 'str -> str', [
      ['abc', 'ABC'],
      ['Hi there', 'HI THERE'],
    ]);
    const r = solveTask(t, g, { timeoutMs: 600_000, maxNodes: 100_000 });
    expect(showProgram(r.solutions[0]!.program)).toBe('(lambda (upper $0))');
  });
});

describe('grammar fitting', () => {
  it('makes used productions cheaper and conditions on the parent', () => {
    const frontiers = [
      { request: INC.request, programs: [parseProgram('(lambda (map (lambda (+ 1 $0)) $0))')] },
      { request: DOUBLE.request, programs: [parseProgram('(lambda (map (lambda (* 2 $0)) $0))'), parseProgram('(lambda (map (lambda (+ $0 $0)) $0))')] },
      { request: SUM.request, programs: [parseProgram('(lambda (fold $0 0 (lambda (lambda (+ $1 $0)))))')] },
    ];
    const fitted = fitGrammar(small, frontiers);
    const mapIdx = small.indexOf(small.productions.find((p) => p.kind === 'primitive' && p.name === 'map')!)!;
    const revIdx = small.indexOf(small.productions.find((p) => p.kind === 'primitive' && p.name === 'reverse')!)!;
    expect(fitted.unigram[mapIdx]!).toBeGreaterThan(fitted.unigram[revIdx]!);
    for (const f of frontiers) for (const p of f.programs) expect(descriptionLength(fitted, f.request, p)).toBeLessThan(descriptionLength(small, f.request, p));
    // `+` was chosen at the root of map's first argument body (parent map, argument 0), never at the root
    const plusIdx = small.productions.findIndex((p) => p.kind === 'primitive' && p.name === '+');
    expect(fitted.bigram.get(bigramKey(mapIdx, 0))![plusIdx]!).toBeGreaterThan(0);
    expect(fitted.bigram.get(bigramKey(-1, 0))![plusIdx]!).toBeLessThan(0);
    const unigramOnly = fitGrammar(small, frontiers, { bigram: false });
    expect(unigramOnly.bigram.size).toBe(0);
    // solving with the fitted grammar takes fewer nodes
    const budget = { timeoutMs: 600_000, maxNodes: 400_000 };
    expect(solveTask(INC, fitted, budget).nodes).toBeLessThan(solveTask(INC, small, budget).nodes);
  });
});

describe('parallel solving', () => {
  it('gives the same reports as solving in this thread, one budget per task', async () => {
    const tasks = [SUM, SECOND, INC];
    const budget = { timeoutMs: 600_000, maxNodes: 400_000 };
    const seen: string[] = [];
    const par = await solveTasksParallel(tasks, small, budget, { workers: 2, onReport: (r) => seen.push(r.task) });
    expect(seen.sort()).toEqual(['inc', 'second', 'sum']);
    tasks.forEach((t, i) => {
      const seq = solveTask(t, small, budget);
      expect(par[i]!.task).toBe(t.name);
      expect(par[i]!.nodes).toBe(seq.nodes);
      expect(par[i]!.solutions.map((s) => showProgram(s.program))).toEqual(seq.solutions.map((s) => showProgram(s.program)));
    });
  });
});

describe('sampling', () => {
  /** mulberry32: a small seeded generator for the test. */
  function seeded(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('draws well-typed programs with the log prior the grammar gives them', () => {
    const fitted = fitGrammar(
      small,
      ['(lambda (sum $0))', '(lambda (length $0))', '(lambda (car $0))', '(lambda (+ (car $0) 1))'].map((src) => ({ request: SUM.request, programs: [parseProgram(src)] })),
    );
    const req = parseType('list(int) -> int');
    const random = seeded(7);
    let drawn = 0;
    for (let i = 0; i < 500; i++) {
      const s = sampleProgram(fitted, req, random, { maxDepth: 12 });
      if (s === undefined) continue; // nested too deep (polymorphic heads such as car can chain)
      drawn++;
      expect(inferType(s.program)).toBeDefined();
      expect(derive(fitted, req, s.program)!.logProb).toBeCloseTo(s.logPrior, 9);
    }
    expect(drawn).toBeGreaterThan(250);
  });

  it('draws each choice with its probability', () => {
    // ints from 0, 1, 2 and +: each choice 1/4, subcritical (0.5 children on average), so draws end
    const g = pick(['0', '1', '2', '+']);
    const random = seeded(11);
    const roots = new Map<string, number>();
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const s = sampleProgram(g, parseType('int'), random, { maxDepth: 40 })!;
      const head = s.program.kind === 'apply' ? '+' : showProgram(s.program);
      roots.set(head, (roots.get(head) ?? 0) + 1);
    }
    for (const c of ['0', '1', '2', '+']) expect(Math.abs(roots.get(c)! / n - 0.25)).toBeLessThan(0.03);
  });
});
