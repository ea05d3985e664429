import type { Type } from './types';

/**
 * Programs of the typed λ-calculus with de Bruijn indices: `$0` is the variable bound by the nearest
 * enclosing `lambda`. Applications are binary and curried: `(f a b)` is `((f a) b)`.
 */
export type Program = Index | Abstraction | Application | Primitive | Invented;

export interface Index {
  readonly kind: 'index';
  readonly i: number;
}

export interface Abstraction {
  readonly kind: 'lambda';
  readonly body: Program;
}

export interface Application {
  readonly kind: 'apply';
  readonly f: Program;
  readonly x: Program;
}

/** A built-in: a name, a (polymorphic, closed) type and a curried JavaScript value. */
export interface Primitive {
  readonly kind: 'primitive';
  readonly name: string;
  readonly type: Type;
  readonly value: unknown;
}

/** A learned library function: a closed program used like a primitive; prints as `#<body>`. */
export interface Invented {
  readonly kind: 'invented';
  readonly body: Program;
  /** The body's inferred (closed, canonical) type. */
  readonly type: Type;
}

/** A production of a grammar: what may head an application. */
export type Callable = Primitive | Invented;

export function index(i: number): Index {
  return { kind: 'index', i };
}

export function lambda(body: Program): Abstraction {
  return { kind: 'lambda', body };
}

export function apply(f: Program, ...xs: Program[]): Program {
  let p = f;
  for (const x of xs) p = { kind: 'apply', f: p, x };
  return p;
}

/** `(f a b)` as `{ head: f, args: [a, b] }`. */
export function applicationSpine(p: Program): { head: Program; args: Program[] } {
  const args: Program[] = [];
  while (p.kind === 'apply') {
    args.push(p.x);
    p = p.f;
  }
  return { head: p, args: args.reverse() };
}

/** S-expression of a program: `(lambda (map (lambda (+ $0 1)) $0))`; an invented function prints as `#(lambda …)`. */
export function showProgram(p: Program): string {
  switch (p.kind) {
    case 'index':
      return `$${p.i}`;
    case 'lambda':
      return `(lambda ${showProgram(p.body)})`;
    case 'primitive':
      return p.name;
    case 'invented':
      return `#${showProgram(p.body)}`;
    case 'apply': {
      const { head, args } = applicationSpine(p);
      return `(${[head, ...args].map(showProgram).join(' ')})`;
    }
  }
}

export function programsEqual(a: Program, b: Program): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case 'index':
      return b.kind === 'index' && a.i === b.i;
    case 'lambda':
      return b.kind === 'lambda' && programsEqual(a.body, b.body);
    case 'primitive':
      return b.kind === 'primitive' && a.name === b.name;
    case 'invented':
      return b.kind === 'invented' && programsEqual(a.body, b.body);
    case 'apply':
      return b.kind === 'apply' && programsEqual(a.f, b.f) && programsEqual(a.x, b.x);
  }
}

/**
 * Adds `by` to every index that is free at `depth` (≥ depth binders inside). A negative shift fails
 * (returns undefined) when it would make a free index negative, i.e. the term uses a variable it cannot see.
 */
export function shiftFree(p: Program, by: number, depth = 0): Program | undefined {
  switch (p.kind) {
    case 'index': {
      if (p.i < depth) return p;
      const j = p.i + by;
      return j < depth ? undefined : index(j);
    }
    case 'lambda': {
      const b = shiftFree(p.body, by, depth + 1);
      return b === undefined ? undefined : lambda(b);
    }
    case 'apply': {
      const f = shiftFree(p.f, by, depth);
      const x = f === undefined ? undefined : shiftFree(p.x, by, depth);
      return f === undefined || x === undefined ? undefined : { kind: 'apply', f, x };
    }
    default:
      return p;
  }
}

/** Whether `p` uses an index ≥ `depth` (a variable bound outside it). */
export function hasFreeIndex(p: Program, depth = 0): boolean {
  switch (p.kind) {
    case 'index':
      return p.i >= depth;
    case 'lambda':
      return hasFreeIndex(p.body, depth + 1);
    case 'apply':
      return hasFreeIndex(p.f, depth) || hasFreeIndex(p.x, depth);
    default:
      return false;
  }
}

/** Number of nodes (indices, primitives and invented functions count 1; λ and application 1 each). */
export function programSize(p: Program): number {
  switch (p.kind) {
    case 'lambda':
      return 1 + programSize(p.body);
    case 'apply':
      return 1 + programSize(p.f) + programSize(p.x);
    default:
      return 1;
  }
}

/** Every subterm of `p` (pre-order) with the number of λs above it. */
export function subterms(p: Program, depth = 0, out: { term: Program; depth: number }[] = []): { term: Program; depth: number }[] {
  out.push({ term: p, depth });
  if (p.kind === 'lambda') subterms(p.body, depth + 1, out);
  else if (p.kind === 'apply') {
    subterms(p.f, depth, out);
    subterms(p.x, depth, out);
  }
  return out;
}
