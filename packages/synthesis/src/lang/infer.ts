import { applicationSpine, showProgram, type Program } from './program';
import { arrow, canonicalType, showType, TypeContext, type Type } from './types';

/** A program that does not type-check; `where` is the S-expression of the smallest subterm at fault. */
export class TypeInferenceError extends Error {
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(message);
    this.name = 'TypeInferenceError';
  }
}

/**
 * Hindley–Milner inference for a program under `ctx`, with `env[i]` the type of `$i`. Primitives and invented
 * functions are instantiated afresh at each use (their types are closed and polymorphic). Throws
 * TypeInferenceError naming the subterm that fails.
 */
export function inferWith(ctx: TypeContext, env: readonly Type[], p: Program): Type {
  switch (p.kind) {
    case 'index': {
      const t = env[p.i];
      if (t === undefined) throw new TypeInferenceError(`$${p.i} is not bound (only ${env.length} enclosing lambda${env.length === 1 ? '' : 's'})`, `$${p.i}`);
      return t;
    }
    case 'primitive':
    case 'invented':
      return ctx.instantiate(p.type);
    case 'lambda': {
      const a = ctx.fresh();
      const b = inferWith(ctx, [a, ...env], p.body);
      return arrow(a, b);
    }
    case 'apply': {
      const f = inferWith(ctx, env, p.f);
      const x = inferWith(ctx, env, p.x);
      const r = ctx.fresh();
      if (!ctx.unify(f, arrow(x, r))) {
        const fa = ctx.apply(f);
        const xa = ctx.apply(x);
        const { head } = applicationSpine(p);
        const what = fa.kind === 'con' && fa.name === '->' ? `expects ${showType(canonicalType(fa.args[0]!))}` : `is not a function (${showType(canonicalType(fa))})`;
        throw new TypeInferenceError(
          `${showProgram(p.f)} ${what} but is applied to ${showProgram(p.x)} : ${showType(canonicalType(xa))} (in ${showProgram(p)}, head ${showProgram(head)})`,
          showProgram(p),
        );
      }
      return r;
    }
  }
}

/** The closed, canonical type of a program (variables renumbered from t0). */
export function inferType(p: Program, env: readonly Type[] = []): Type {
  const ctx = new TypeContext(1 + maxVariable(env));
  const t = inferWith(ctx, env, p);
  return canonicalType(ctx.apply(t));
}

function maxVariable(env: readonly Type[]): number {
  let m = -1;
  const go = (t: Type): void => {
    if (t.kind === 'var') m = Math.max(m, t.id);
    else t.args.forEach(go);
  };
  env.forEach(go);
  return m;
}

/** Whether `p` has a type that unifies with `request` (e.g. a task's `list(int) -> list(int)`). */
export function checksAgainst(p: Program, request: Type): boolean {
  const ctx = new TypeContext(1000);
  try {
    const t = inferWith(ctx, [], p);
    return ctx.unify(t, ctx.instantiate(request));
  } catch (e) {
    if (e instanceof TypeInferenceError) return false;
    throw e;
  }
}
