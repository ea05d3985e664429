import {
  arrow,
  canonicalType,
  inferType,
  parseProgram,
  parseType,
  ProgramSyntaxError,
  runProgram,
  RuntimeFault,
  showProgram,
  showType,
  StepLimitExceeded,
  t0,
  t1,
  tint,
  tlist,
  TypeContext,
  TypeInferenceError,
  TypeSyntaxError,
  valueFromJson,
  valueToJson,
  tstr,
  type Value,
  PRIMITIVE_SETS,
  allPrimitives,
  listPrimitives,
  textPrimitives,
} from '../src';

const run = (src: string, ...args: unknown[]): unknown => {
  const p = parseProgram(src);
  const t = inferType(p);
  const r: Value = runProgram(p, args.map(valueFromJson));
  let rt = t;
  for (let i = 0; i < args.length; i++) rt = (rt as { args: readonly (typeof t)[] }).args[1]!;
  return valueToJson(r, rt);
};

describe('types', () => {
  it('print and parse round-trip, str is list(char)', () => {
    for (const s of ['int', 'list(int)', 'str', 'list(str)', '(t0 -> t1) -> list(t0) -> list(t1)', 't0 -> (t1 -> t2) -> t0', 'list(list(bool))']) {
      expect(showType(parseType(s))).toBe(s);
    }
    expect(showType(tlist(parseType('char')))).toBe('str');
    expect(showType(arrow(arrow(t0, t1), tlist(t0), tlist(t1)))).toBe('(t0 -> t1) -> list(t0) -> list(t1)');
  });

  it('rejects bad type text naming the token', () => {
    expect(() => parseType('list(int')).toThrow(TypeSyntaxError);
    expect(() => parseType('int ->')).toThrow(/expected a type at token 3/);
    expect(() => parseType('Int')).toThrow(/"Int" is not a type name/);
  });

  it('unifies with the occurs check and undoes to a mark', () => {
    const ctx = new TypeContext(10);
    const a = ctx.fresh();
    const b = ctx.fresh();
    expect(ctx.unify(a, tlist(a))).toBe(false);
    const m = ctx.mark();
    expect(ctx.unify(arrow(a, b), arrow(tint, tlist(a)))).toBe(true);
    expect(showType(ctx.apply(b))).toBe('list(int)');
    ctx.undo(m);
    expect(showType(ctx.apply(b))).toBe('t11');
    // a failed unification binds nothing
    expect(ctx.unify(arrow(a, a), arrow(tint, tstr))).toBe(false);
    expect(ctx.apply(a)).toEqual(a);
  });
});

describe('type inference', () => {
  it.each([
    ['(lambda (map (lambda (+ $0 1)) $0))', 'list(int) -> list(int)'],
    ['(lambda (lambda (fold $1 $0 (lambda (lambda (cons $1 $0))))))', 'list(t0) -> list(t0) -> list(t0)'],
    ['map', '(t0 -> t1) -> list(t0) -> list(t1)'],
    ['(lambda (lambda ($1 ($1 $0))))', '(t0 -> t0) -> t0 -> t0'],
    ['(lambda (map upper (split SPACE $0)))', 'str -> list(str)'],
    ['(lambda (if (empty? $0) 0 (car $0)))', 'list(int) -> int'],
  ])('%s : %s', (src, type) => {
    expect(showType(inferType(parseProgram(src)))).toBe(type);
  });

  it('generalises invented functions at each use', () => {
    const p = parseProgram('(lambda (#(lambda (lambda (map $0 $1))) (#(lambda (lambda (map $0 $1))) $0 car) length))');
    expect(showType(inferType(p))).toBe('list(list(list(t0))) -> list(int)');
  });

  it('names the subterm that fails to type-check', () => {
    const err = (() => {
      try {
        inferType(parseProgram('(lambda (+ (car $0) (cdr $0)))'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TypeInferenceError);
    expect((err as TypeInferenceError).where).toBe('(+ (car $0) (cdr $0))');
    expect((err as Error).message).toMatch(/expects int but is applied to \(cdr \$0\) : list\(int\)/);
    expect(() => inferType(parseProgram('(lambda $1)'))).toThrow(/\$1 is not bound/);
  });
});

describe('S-expressions', () => {
  it.each([
    '(lambda (map (lambda (+ $0 1)) $0))',
    '(lambda (lambda (fold $1 $0 (lambda (lambda (cons $1 $0))))))',
    "(lambda (join (cons ',' empty) (map capitalize (split SPACE $0))))",
    '(lambda (#(lambda (lambda (map $0 $1))) $0 (lambda (* $0 2))))',
    '(#(lambda (+ $0 1)) 4)',
    '$3',
  ])('round-trips %s', (src) => {
    const p = parseProgram(src);
    expect(showProgram(p)).toBe(src);
    expect(showProgram(parseProgram(showProgram(p)))).toBe(src);
  });

  it('reports syntax errors with their offset', () => {
    expect(() => parseProgram('(lambda (map car $0)')).toThrow(ProgramSyntaxError);
    expect(() => parseProgram('(lambda (mapp car $0))')).toThrow(/unknown primitive "mapp" at offset 9/);
    expect(() => parseProgram('(car)')).toThrow(/at least one argument/);
    expect(() => parseProgram('(lambda $0) $0')).toThrow(/unexpected text after the program at offset 12/);
    expect(() => parseProgram('#(+ 1 empty)')).toThrow(/invented function does not type-check/);
  });
});

describe('interpreter', () => {
  it('runs list programs', () => {
    expect(run('(lambda (map (lambda (+ $0 1)) $0))', [1, 2, 3])).toEqual([2, 3, 4]);
    expect(run('(lambda (filter (lambda (gt? $0 2)) $0))', [1, 5, 2, 7])).toEqual([5, 7]);
    expect(run('(lambda (fold $0 0 (lambda (lambda (+ $1 $0)))))', [1, 2, 3, 4])).toBe(10);
    expect(run('(lambda (fold $0 empty (lambda (lambda (cons $1 $0)))))', [1, 2, 3])).toEqual([1, 2, 3]);
    expect(run('(lambda (lambda (index $1 $0)))', 1, [7, 8, 9])).toBe(8);
    expect(run('(lambda (range $0))', 4)).toEqual([0, 1, 2, 3]);
    expect(run('(lambda (mod (- 0 $0) 3))', 7)).toBe(2);
  });

  it('runs string programs', () => {
    expect(run('(lambda (join (cons SPACE empty) (map capitalize (split SPACE $0))))', 'hello big world')).toBe('Hello Big World');
    expect(run("(lambda (slice 0 (find '@' $0) $0))", 'ada@example.org')).toBe('ada');
    expect(run('(lambda (map upper-char (filter is-upper? $0)))', 'Grace Brewster Hopper')).toBe('GBH');
  });

  it('evaluates only the branch of if that is taken', () => {
    expect(run('(lambda (if (empty? $0) 0 (car $0)))', [])).toBe(0);
  });

  it('turns runtime faults into RuntimeFault, never a crash', () => {
    expect(() => run('(lambda (car $0))', [])).toThrow(/car of an empty list/);
    expect(() => run('(lambda (index 5 $0))', [1])).toThrow(/index 5 out of range/);
    expect(() => run('(lambda (mod $0 0))', 3)).toThrow(RuntimeFault);
    expect(() => run('(lambda (range (* $0 $0)))', 1000)).toThrow(/longer than/);
    expect(() => run('(lambda (* $0 $0))', 2 ** 40)).toThrow(/overflow/);
  });

  it('stops a non-terminating program at the step budget', () => {
    const loop = parseProgram('(lambda (fix1 $0 (lambda (lambda ($1 $0)))))');
    expect(showType(canonicalType(inferType(loop)))).toBe('t0 -> t1');
    const t = Date.now();
    expect(() => runProgram(loop, [1], 5000)).toThrow(StepLimitExceeded);
    expect(Date.now() - t).toBeLessThan(2000);
    // a long but finite computation is cut off the same way
    expect(() => runProgram(parseProgram('(lambda (map (lambda (sum (range $0))) (range $0)))'), [3000], 10_000)).toThrow(StepLimitExceeded);
    // recursion that terminates runs: length by fix1
    const len = parseProgram('(lambda (fix1 $0 (lambda (lambda (if (empty? $0) 0 (+ 1 ($1 (cdr $0))))))))');
    expect(runProgram(len, [valueFromJson([5, 6, 7])])).toBe(3);
  });

  it('converts JSON values by type', () => {
    expect(valueFromJson('ab')).toEqual(['a', 'b']);
    expect(valueToJson(valueFromJson(['ab', 'c']), tlist(tstr))).toEqual(['ab', 'c']);
    expect(valueToJson(valueFromJson([[1], []]), tlist(tlist(tint)))).toEqual([[1], []]);
  });
});

describe('primitive sets', () => {
  it('name every primitive once, and the recursion set adds fix1 to the list set', () => {
    for (const make of Object.values(PRIMITIVE_SETS)) {
      const names = make().map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      for (const n of names) expect(allPrimitives().get(n)?.name).toBe(n);
    }
    expect(PRIMITIVE_SETS.recursion().map((p) => p.name)).toEqual([...listPrimitives().map((p) => p.name), 'fix1']);
    expect(textPrimitives().map((p) => p.name)).toEqual(expect.arrayContaining(['map', 'split', 'join', 'SPACE', "'.'", 'upper']));
  });
});
