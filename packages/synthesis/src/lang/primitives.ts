import { currentEvaluator, MAX_LIST_LENGTH, RuntimeFault, type Value } from './interpreter';
import type { Primitive } from './program';
import { arrow, t0, t1, tbool, tchar, tint, tlist, tstr, type Type } from './types';

type Fn = (x: Value) => Value;
type List = readonly Value[];

function prim(name: string, type: Type, value: unknown): Primitive {
  return { kind: 'primitive', name, type, value };
}

function int(n: number, what: string): number {
  if (!Number.isSafeInteger(n)) throw new RuntimeFault(`${what}: integer overflow`);
  return n;
}

function list(xs: List, what: string): List {
  if (xs.length > MAX_LIST_LENGTH) throw new RuntimeFault(`${what}: list longer than ${MAX_LIST_LENGTH}`);
  return xs;
}

function tick(n = 1): void {
  currentEvaluator()?.tick(n);
}

const fn2 =
  <A, B, R>(f: (a: A, b: B) => R): Value =>
  (a: Value): Value =>
    ((b: Value): Value => f(a as A, b as B) as Value) as Value;

const fn3 =
  <A, B, C, R>(f: (a: A, b: B, c: C) => R): Value =>
  (a: Value): Value =>
    ((b: Value): Value => ((c: Value): Value => f(a as A, b as B, c as C) as Value) as Value) as Value;

function car(xs: List): Value {
  if (xs.length === 0) throw new RuntimeFault('car of an empty list');
  return xs[0]!;
}

function cdr(xs: List): List {
  if (xs.length === 0) throw new RuntimeFault('cdr of an empty list');
  return xs.slice(1);
}

function nth(i: number, xs: List): Value {
  if (i < 0 || i >= xs.length) throw new RuntimeFault(`index ${i} out of range for a list of ${xs.length}`);
  return xs[i]!;
}

function range(n: number): List {
  if (n > MAX_LIST_LENGTH) throw new RuntimeFault(`range ${n}: list longer than ${MAX_LIST_LENGTH}`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i);
  tick(out.length);
  return out;
}

function mod(a: number, b: number): number {
  if (b === 0) throw new RuntimeFault('mod by zero');
  return ((a % b) + b) % b;
}

function div(a: number, b: number): number {
  if (b === 0) throw new RuntimeFault('division by zero');
  return Math.floor(a / b);
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) {
    tick();
    if (n % d === 0) return false;
  }
  return true;
}

function slice(from: number, to: number, xs: List): List {
  return xs.slice(Math.max(0, from), Math.max(0, to));
}

const chars = (s: string): List => Array.from(s);
const text = (xs: List): string => (xs as string[]).join('');

/** The integer constants 0 … 5. */
function integers(): Primitive[] {
  return [0, 1, 2, 3, 4, 5].map((j) => prim(String(j), tint, j));
}

/**
 * The list domain (DreamCoder's base list primitives): map, filter, fold, cons, car, cdr, empty, empty?,
 * length, index, range, ++, reverse, slice, sum, arithmetic, comparisons, if and small integer constants.
 */
export function listPrimitives(): Primitive[] {
  return [
    ...integers(),
    prim('empty', tlist(t0), []),
    prim('cons', arrow(t0, tlist(t0), tlist(t0)), fn2((x: Value, xs: List) => list([x, ...xs], 'cons'))),
    prim('car', arrow(tlist(t0), t0), car),
    prim('cdr', arrow(tlist(t0), tlist(t0)), cdr),
    prim('empty?', arrow(tlist(t0), tbool), (xs: List) => xs.length === 0),
    prim('length', arrow(tlist(t0), tint), (xs: List) => xs.length),
    prim('index', arrow(tint, tlist(t0), t0), fn2(nth)),
    prim('range', arrow(tint, tlist(tint)), range),
    prim('++', arrow(tlist(t0), tlist(t0), tlist(t0)), fn2((a: List, b: List) => list([...a, ...b], '++'))),
    prim('reverse', arrow(tlist(t0), tlist(t0)), (xs: List) => [...xs].reverse()),
    prim('slice', arrow(tint, tint, tlist(t0), tlist(t0)), fn3(slice)),
    prim('map', arrow(arrow(t0, t1), tlist(t0), tlist(t1)), fn2((f: Fn, xs: List) => xs.map((x) => f(x)))),
    prim('filter', arrow(arrow(t0, tbool), tlist(t0), tlist(t0)), fn2((f: Fn, xs: List) => xs.filter((x) => f(x) === true))),
    prim(
      'fold',
      arrow(tlist(t0), t1, arrow(t0, t1, t1), t1),
      fn3((xs: List, init: Value, f: Fn) => xs.reduceRight((acc: Value, x) => (f(x) as Fn)(acc), init)),
    ),
    prim('sum', arrow(tlist(tint), tint), (xs: List) => int((xs as number[]).reduce((a, b) => a + b, 0), 'sum')),
    prim('if', arrow(tbool, t0, t0, t0), fn3((c: boolean, a: Value, b: Value) => (c ? a : b))),
    prim('+', arrow(tint, tint, tint), fn2((a: number, b: number) => int(a + b, '+'))),
    prim('-', arrow(tint, tint, tint), fn2((a: number, b: number) => int(a - b, '-'))),
    prim('*', arrow(tint, tint, tint), fn2((a: number, b: number) => int(a * b, '*'))),
    prim('div', arrow(tint, tint, tint), fn2(div)),
    prim('mod', arrow(tint, tint, tint), fn2(mod)),
    prim('eq?', arrow(tint, tint, tbool), fn2((a: number, b: number) => a === b)),
    prim('gt?', arrow(tint, tint, tbool), fn2((a: number, b: number) => a > b)),
    prim('not', arrow(tbool, tbool), (b: boolean) => !b),
    prim('and', arrow(tbool, tbool, tbool), fn2((a: boolean, b: boolean) => a && b)),
    prim('or', arrow(tbool, tbool, tbool), fn2((a: boolean, b: boolean) => a || b)),
    prim('is-prime', arrow(tint, tbool), isPrime),
  ];
}

/** Delimiter characters as primitives; space and parentheses have names (they cannot be S-expression atoms). */
export const DELIMITERS: readonly (readonly [name: string, char: string])[] = [
  ["'.'", '.'],
  ["','", ','],
  ["'-'", '-'],
  ["'@'", '@'],
  ["'/'", '/'],
  ["'_'", '_'],
  ['SPACE', ' '],
  ['LPAREN', '('],
  ['RPAREN', ')'],
];

function split(d: string, s: List): List {
  const parts = text(s).split(d).map(chars);
  tick(parts.length);
  return parts;
}

function find(c: string, s: List): number {
  const i = s.indexOf(c);
  if (i < 0) throw new RuntimeFault(`find: ${JSON.stringify(c)} does not occur`);
  return i;
}

/**
 * The string domain (strings are `list(char)`, so list primitives apply too): case, split/join on a
 * delimiter, find, char tests and the delimiter constants, beside the list primitives that make sense
 * on text (map, filter, fold, cons, car, cdr, ++, reverse, slice, length, index, if, 0, 1, +, -).
 */
export function textPrimitives(): Primitive[] {
  const keep = new Set(['0', '1', 'empty', 'cons', 'car', 'cdr', 'empty?', 'length', 'index', '++', 'reverse', 'slice', 'map', 'filter', 'fold', 'if', '+', '-', 'eq?', 'gt?', 'not', 'and', 'or']);
  const upper = (c: string): string => c.toUpperCase();
  const lower = (c: string): string => c.toLowerCase();
  return [
    ...listPrimitives().filter((p) => keep.has(p.name)),
    ...DELIMITERS.map(([name, c]) => prim(name, tchar, c)),
    prim('char-eq?', arrow(tchar, tchar, tbool), fn2((a: string, b: string) => a === b)),
    prim('upper-char', arrow(tchar, tchar), upper),
    prim('lower-char', arrow(tchar, tchar), lower),
    prim('is-upper?', arrow(tchar, tbool), (c: string) => c !== c.toLowerCase()),
    prim('is-digit?', arrow(tchar, tbool), (c: string) => c >= '0' && c <= '9'),
    prim('is-letter?', arrow(tchar, tbool), (c: string) => c.toLowerCase() !== c.toUpperCase()),
    prim('upper', arrow(tstr, tstr), (s: List) => chars(text(s).toUpperCase())),
    prim('lower', arrow(tstr, tstr), (s: List) => chars(text(s).toLowerCase())),
    prim('capitalize', arrow(tstr, tstr), (s: List) => (s.length === 0 ? [] : [upper(s[0] as string), ...s.slice(1).map((c) => lower(c as string))])),
    prim('split', arrow(tchar, tstr, tlist(tstr)), fn2(split)),
    prim('join', arrow(tstr, tlist(tstr), tstr), fn2((d: List, ss: List) => list(chars((ss as List[]).map(text).join(text(d))), 'join'))),
    prim('find', arrow(tchar, tstr, tint), fn2(find)),
    prim('strip', arrow(tstr, tstr), (s: List) => chars(text(s).trim())),
  ];
}

/** `fix1`: one-argument recursion (DreamCoder's McCarthy set); a non-terminating use stops at the step budget. */
export function recursionPrimitives(): Primitive[] {
  const fix1 = (x: Value): Value =>
    ((f: Fn): Value => {
      const rec: Fn = (y: Value): Value => {
        tick();
        return (f(rec) as Fn)(y);
      };
      return rec(x);
    }) as Value;
  return [prim('fix1', arrow(t0, arrow(arrow(t0, t1), t0, t1), t1), fix1)];
}

/** Every primitive of every domain by name (how parsers and workers resolve names). */
export function allPrimitives(): ReadonlyMap<string, Primitive> {
  const m = new Map<string, Primitive>();
  for (const p of [...listPrimitives(), ...textPrimitives(), ...recursionPrimitives()]) if (!m.has(p.name)) m.set(p.name, p);
  return m;
}

/** The named primitive sets: `list`, `text`, and `recursion` (the list primitives plus fix1). */
export const PRIMITIVE_SETS = {
  list: listPrimitives,
  text: textPrimitives,
  recursion: (): Primitive[] => [...listPrimitives(), ...recursionPrimitives()],
} as const;
export type PrimitiveSetName = keyof typeof PRIMITIVE_SETS;
