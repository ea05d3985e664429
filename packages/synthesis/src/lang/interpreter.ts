import { showProgram, type Program } from './program';

/**
 * Runtime values: ints are JS numbers (safe integers), bools booleans, chars one-character strings, lists
 * (and strings, which are lists of chars) arrays, functions curried JS functions of one argument.
 */
export type Value = number | boolean | string | readonly Value[] | ((x: Value) => Value);

/** A fault while running a program (car of an empty list, division by zero, …): the program is wrong, not the interpreter. */
export class RuntimeFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeFault';
  }
}

/** The program ran out of its step budget (an evaluation step is one visit of a program node). */
export class StepLimitExceeded extends RuntimeFault {
  constructor(readonly steps: number) {
    super(`step budget of ${steps} exhausted`);
    this.name = 'StepLimitExceeded';
  }
}

export const DEFAULT_MAX_STEPS = 20_000;
/** Longest list a primitive may build (keeps `range` and `++` from eating memory). */
export const MAX_LIST_LENGTH = 10_000;

interface Env {
  readonly head: Value;
  readonly tail: Env | undefined;
}

/** Evaluates programs against one step budget (shared by the closures it creates). */
export class Evaluator {
  private steps = 0;
  private depth = 0;

  constructor(readonly maxSteps: number = DEFAULT_MAX_STEPS) {}

  get stepsUsed(): number {
    return this.steps;
  }

  /** Counts one step; primitives that loop call this per element so no primitive runs unbounded. */
  tick(n = 1): void {
    this.steps += n;
    if (this.steps > this.maxSteps) throw new StepLimitExceeded(this.maxSteps);
  }

  evaluate(p: Program, env: Env | undefined): Value {
    this.tick();
    switch (p.kind) {
      case 'index': {
        let e = env;
        for (let k = 0; k < p.i && e !== undefined; k++) e = e.tail;
        if (e === undefined) throw new RuntimeFault(`$${p.i} is not bound`);
        return e.head;
      }
      case 'primitive':
        return p.value as Value;
      case 'invented':
        return this.evaluate(p.body, undefined);
      case 'lambda':
        return (x: Value): Value => {
          if (++this.depth > 2000) throw new RuntimeFault('recursion too deep');
          try {
            return this.evaluate(p.body, { head: x, tail: env });
          } finally {
            this.depth--;
          }
        };
      case 'apply': {
        // `if` is lazy: only the branch taken is evaluated.
        const g = p.f;
        if (g.kind === 'apply' && g.f.kind === 'apply' && g.f.f.kind === 'primitive' && g.f.f.name === 'if') {
          const c = this.evaluate(g.f.x, env);
          return this.evaluate(c === true ? g.x : p.x, env);
        }
        const f = this.evaluate(p.f, env);
        if (typeof f !== 'function') throw new RuntimeFault(`${showProgram(p.f)} is not a function`);
        return f(this.evaluate(p.x, env));
      }
    }
  }
}

/** The evaluator of the run in progress, for primitives that loop (see `currentEvaluator`). */
let current: Evaluator | undefined;

/** The evaluator running the current program, so higher-order primitives can count their steps. */
export function currentEvaluator(): Evaluator | undefined {
  return current;
}

function isRuntimeOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/**
 * Runs a closed program on arguments: the program's value is applied to each argument in turn. A fault of the
 * program (RuntimeFault, StepLimitExceeded, too deep a recursion) is thrown as a RuntimeFault; nothing else
 * escapes, and nothing runs longer than `maxSteps` evaluation steps.
 */
export function runProgram(p: Program, args: readonly Value[], maxSteps = DEFAULT_MAX_STEPS): Value {
  const ev = new Evaluator(maxSteps);
  const saved = current;
  const savedLimit = Error.stackTraceLimit;
  current = ev;
  // Faults are expected and frequent during search: skip capturing their stack traces.
  Error.stackTraceLimit = 0;
  try {
    let v = ev.evaluate(p, undefined);
    for (const a of args) {
      if (typeof v !== 'function') throw new RuntimeFault(`${showProgram(p)} takes fewer than ${args.length} arguments`);
      v = v(a);
    }
    return v;
  } catch (e) {
    if (e instanceof RuntimeFault) throw e;
    if (isRuntimeOverflow(e)) throw new RuntimeFault('recursion too deep');
    throw new RuntimeFault(`${e instanceof Error ? e.message : String(e)}`);
  } finally {
    current = saved;
    Error.stackTraceLimit = savedLimit;
  }
}

/** Evaluates a program with free variables `$0 … $k` bound to `env[0] …` (the enumerator's subterm checks). */
export function evaluateOpen(p: Program, env: readonly Value[], maxSteps = DEFAULT_MAX_STEPS): Value {
  const ev = new Evaluator(maxSteps);
  let e: Env | undefined;
  for (let i = env.length - 1; i >= 0; i--) e = { head: env[i]!, tail: e };
  const saved = current;
  const savedLimit = Error.stackTraceLimit;
  current = ev;
  Error.stackTraceLimit = 0;
  try {
    return ev.evaluate(p, e);
  } catch (err) {
    if (err instanceof RuntimeFault) throw err;
    if (isRuntimeOverflow(err)) throw new RuntimeFault('recursion too deep');
    throw new RuntimeFault(`${err instanceof Error ? err.message : String(err)}`);
  } finally {
    current = saved;
    Error.stackTraceLimit = savedLimit;
  }
}

/** Structural equality of first-order values (functions are never equal). */
export function valuesEqual(a: Value, b: Value): boolean {
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i] as Value, b[i] as Value)) return false;
    return true;
  }
  return typeof a !== 'function' && a === b;
}

/** A stable text key of a first-order value (observational-equivalence signatures). */
export function valueKey(v: Value): string {
  if (Array.isArray(v)) return `[${v.map((x) => valueKey(x as Value)).join(',')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'λ';
  return String(v);
}
