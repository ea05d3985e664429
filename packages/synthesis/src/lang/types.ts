/**
 * Types of the synthesis language: constructors (`int`, `bool`, `char`, `list(t)`, `->`) and type variables,
 * with a mutable substitution (TypeContext) that records a trail so the enumerator can undo bindings when it
 * backtracks. `str` is `list(char)`: every list primitive works on strings.
 */

export interface TypeVariable {
  readonly kind: 'var';
  readonly id: number;
}

export interface TypeConstructor {
  readonly kind: 'con';
  readonly name: string;
  readonly args: readonly Type[];
}

export type Type = TypeVariable | TypeConstructor;

export const ARROW = '->';

export function tcon(name: string, ...args: Type[]): TypeConstructor {
  return { kind: 'con', name, args };
}

export function tvar(id: number): TypeVariable {
  return { kind: 'var', id };
}

export const tint: Type = tcon('int');
export const tbool: Type = tcon('bool');
export const tchar: Type = tcon('char');
export function tlist(t: Type): Type {
  return tcon('list', t);
}
export const tstr: Type = tlist(tchar);
export const t0: Type = tvar(0);
export const t1: Type = tvar(1);
export const t2: Type = tvar(2);

/** `arrow(a, b, c)` is `a -> (b -> c)`. */
export function arrow(...types: Type[]): Type {
  if (types.length === 0) throw new Error('arrow needs at least one type');
  let t = types[types.length - 1]!;
  for (let i = types.length - 2; i >= 0; i--) t = tcon(ARROW, types[i]!, t);
  return t;
}

export function isArrow(t: Type): t is TypeConstructor {
  return t.kind === 'con' && t.name === ARROW;
}

/** The argument types of a curried function type (`a -> b -> c` gives `[a, b]`). */
export function argumentTypes(t: Type): Type[] {
  const out: Type[] = [];
  while (isArrow(t)) {
    out.push(t.args[0]!);
    t = t.args[1]!;
  }
  return out;
}

/** What a curried function type returns once fully applied (`a -> b -> c` gives `c`). */
export function returnType(t: Type): Type {
  while (isArrow(t)) t = t.args[1]!;
  return t;
}

export function typeVariables(t: Type, into: Set<number> = new Set()): Set<number> {
  if (t.kind === 'var') into.add(t.id);
  else for (const a of t.args) typeVariables(a, into);
  return into;
}

export function containsArrow(t: Type): boolean {
  return t.kind === 'con' && (t.name === ARROW || t.args.some(containsArrow));
}

export function isGround(t: Type): boolean {
  return t.kind === 'con' && t.args.every(isGround);
}

export function typesEqual(a: Type, b: Type): boolean {
  if (a.kind === 'var' || b.kind === 'var') return a.kind === 'var' && b.kind === 'var' && a.id === b.id;
  return a.name === b.name && a.args.length === b.args.length && a.args.every((x, i) => typesEqual(x, b.args[i]!));
}

/** Renumbers the variables of `t` from 0 in order of first appearance (so equal-up-to-renaming types print alike). */
export function canonicalType(t: Type): Type {
  const ids = new Map<number, number>();
  const go = (x: Type): Type => {
    if (x.kind === 'var') {
      if (!ids.has(x.id)) ids.set(x.id, ids.size);
      return tvar(ids.get(x.id)!);
    }
    return x.args.length === 0 ? x : tcon(x.name, ...x.args.map(go));
  };
  return go(t);
}

/** `int`, `list(int)`, `str` (= list(char)), `t0`, `(int -> bool) -> list(int) -> list(int)`. */
export function showType(t: Type): string {
  if (t.kind === 'var') return `t${t.id}`;
  if (t.name === ARROW) {
    const [a, b] = t.args as [Type, Type];
    const left = isArrow(a) ? `(${showType(a)})` : showType(a);
    return `${left} -> ${showType(b)}`;
  }
  if (t.name === 'list' && t.args[0]!.kind === 'con' && t.args[0]!.name === 'char') return 'str';
  return t.args.length === 0 ? t.name : `${t.name}(${t.args.map(showType).join(', ')})`;
}

/** Thrown by parseType with the offending position. */
export class TypeSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TypeSyntaxError';
  }
}

/** Parses what showType prints (`->` is right associative; `str` means `list(char)`). */
export function parseType(text: string): Type {
  const tokens = text.match(/->|[(),]|[^\s(),]+/g) ?? [];
  let pos = 0;
  const fail = (what: string): never => {
    throw new TypeSyntaxError(`type "${text}": ${what} at token ${pos + 1}${pos < tokens.length ? ` ("${tokens[pos]}")` : ' (end)'}`);
  };
  const atom = (): Type => {
    const tok = tokens[pos];
    if (tok === undefined) return fail('expected a type');
    if (tok === '(') {
      pos++;
      const t = arrowType();
      if (tokens[pos] !== ')') fail('expected ")"');
      pos++;
      return t;
    }
    if (tok === ')' || tok === ',' || tok === '->') return fail('expected a type');
    pos++;
    const v = /^t(\d+)$/.exec(tok);
    if (v) return tvar(Number(v[1]));
    if (tok === 'str') return tstr;
    if (!/^[a-z][a-z0-9_]*$/.test(tok)) return fail(`"${tok}" is not a type name`);
    if (tokens[pos] !== '(') return tcon(tok);
    pos++;
    const args = [arrowType()];
    while (tokens[pos] === ',') {
      pos++;
      args.push(arrowType());
    }
    if (tokens[pos] !== ')') fail('expected ")" or ","');
    pos++;
    return tcon(tok, ...args);
  };
  const arrowType = (): Type => {
    const left = atom();
    if (tokens[pos] === '->') {
      pos++;
      return tcon(ARROW, left, arrowType());
    }
    return left;
  };
  const t = arrowType();
  if (pos !== tokens.length) fail('unexpected text after the type');
  return t;
}

/** A mark to undo a TypeContext back to (see TypeContext.mark/undo). */
export interface ContextMark {
  readonly trail: number;
  readonly next: number;
}

/**
 * A substitution of type variables with a trail: `unify` binds variables (with the occurs check) and returns
 * false, binding nothing, when the types do not unify; `mark`/`undo` restore an earlier state (the
 * enumerator's backtracking). Variables are created by `fresh` with increasing ids.
 */
export class TypeContext {
  private readonly bindings: (Type | undefined)[] = [];
  private readonly trail: number[] = [];
  private nextId: number;

  constructor(firstFreeId = 0) {
    this.nextId = firstFreeId;
  }

  get nextVariable(): number {
    return this.nextId;
  }

  fresh(): TypeVariable {
    return tvar(this.nextId++);
  }

  mark(): ContextMark {
    return { trail: this.trail.length, next: this.nextId };
  }

  undo(m: ContextMark): void {
    while (this.trail.length > m.trail) this.bindings[this.trail.pop()!] = undefined;
    this.nextId = m.next;
  }

  /** Follows variable bindings at the top level only. */
  resolve(t: Type): Type {
    while (t.kind === 'var') {
      const b = this.bindings[t.id];
      if (b === undefined) return t;
      t = b;
    }
    return t;
  }

  /** `t` with every bound variable replaced (deeply). */
  apply(t: Type): Type {
    const r = this.resolve(t);
    if (r.kind === 'var' || r.args.length === 0) return r;
    return tcon(r.name, ...r.args.map((a) => this.apply(a)));
  }

  private occurs(id: number, t: Type): boolean {
    const r = this.resolve(t);
    if (r.kind === 'var') return r.id === id;
    return r.args.some((a) => this.occurs(id, a));
  }

  private bind(id: number, t: Type): void {
    this.bindings[id] = t;
    this.trail.push(id);
  }

  private unifyInner(a: Type, b: Type): boolean {
    const x = this.resolve(a);
    const y = this.resolve(b);
    if (x.kind === 'var') {
      if (y.kind === 'var' && y.id === x.id) return true;
      if (this.occurs(x.id, y)) return false;
      this.bind(x.id, y);
      return true;
    }
    if (y.kind === 'var') return this.unifyInner(y, x);
    if (x.name !== y.name || x.args.length !== y.args.length) return false;
    for (let i = 0; i < x.args.length; i++) if (!this.unifyInner(x.args[i]!, y.args[i]!)) return false;
    return true;
  }

  /** Unifies `a` and `b`; on failure nothing stays bound and the result is false. */
  unify(a: Type, b: Type): boolean {
    const m = this.mark();
    if (this.unifyInner(a, b)) return true;
    this.undo({ trail: m.trail, next: this.nextId });
    return false;
  }

  /** A copy of the polymorphic type `t` with each of its variables replaced by a fresh one (let-polymorphism). */
  instantiate(t: Type): Type {
    const map = new Map<number, Type>();
    const go = (x: Type): Type => {
      if (x.kind === 'var') {
        let v = map.get(x.id);
        if (v === undefined) {
          v = this.fresh();
          map.set(x.id, v);
        }
        return v;
      }
      return x.args.length === 0 ? x : tcon(x.name, ...x.args.map(go));
    };
    return go(t);
  }
}

/** Whether `t` mentions `char` anywhere (a text task: search starts from the text primitives). */
export function mentionsChar(t: Type): boolean {
  return typesEqual(t, tchar) || (t.kind === 'con' && t.args.some(mentionsChar));
}
