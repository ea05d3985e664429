import { evaluateOpen, RuntimeFault, valueKey, type Value } from '../lang/interpreter';
import { apply, lambda, type Program } from '../lang/program';
import { argumentTypes, containsArrow, isArrow, isGround, returnType, typeVariables, TypeContext, type Type } from '../lang/types';
import { ROOT_PARENT, type Grammar } from './grammar';

/** Thrown inside the enumerator when a budget runs out; `enumerateWindow` turns it into `stoppedBy`. */
export class SearchStopped extends Error {
  constructor(readonly reason: 'time' | 'nodes') {
    super(`search stopped: ${reason} budget exhausted`);
    this.name = 'SearchStopped';
  }
}

/** Counters shared by the windows of one search. */
export interface EnumerationStats {
  /** Choice points expanded (the node budget counts these). */
  nodes: number;
  /** Complete programs produced. */
  programs: number;
  /** Argument subterms dropped as observationally equivalent to a cheaper one. */
  pruned: number;
}

export interface EnumerationOptions {
  /** Stop after this many expanded nodes (counted across windows through `stats`). */
  readonly maxNodes?: number;
  /** Stop at this time (ms since epoch, `Date.now()` clock). */
  readonly deadline?: number;
  /**
   * Observational-equivalence pruning: for each example, the values of the request's arguments in de Bruijn
   * order (`$0` first, i.e. the last argument first). Ground, first-order argument subterms that only use these
   * variables are evaluated on every example, and of those with equal results only the cheapest is kept.
   */
  readonly examples?: readonly (readonly Value[])[];
  /** Step budget for each subterm evaluation of the pruning. */
  readonly stepBudget?: number;
  /**
   * Deepest nesting of applications (default 20, DreamCoder's enumeration bound). The cost bound alone does not
   * stop the descent when a grammar gives a production almost all the mass (a recognition model's sharp prediction
   * costs ~0 nats per level): without this the search recursed until the stack overflowed.
   */
  readonly maxDepth?: number;
}

/** Receives each program with its log prior. */
export type ProgramSink = (program: Program, logPrior: number) => void;

class Enumerator {
  private readonly topArity: number;
  readonly maxDepth: number;

  constructor(
    private readonly grammar: Grammar,
    request: Type,
    private readonly options: EnumerationOptions,
    readonly stats: EnumerationStats,
  ) {
    this.topArity = argumentTypes(request).length;
    this.maxDepth = options.maxDepth ?? 20;
  }

  private expand(): void {
    this.stats.nodes++;
    if (this.options.maxNodes !== undefined && this.stats.nodes > this.options.maxNodes) throw new SearchStopped('nodes');
    if (this.options.deadline !== undefined && (this.stats.nodes & 255) === 0 && Date.now() > this.options.deadline) throw new SearchStopped('time');
  }

  /** Programs of type `request` with cost (−log prior) in [lower, upper) and at most `depth` levels of nesting, each given to `k` with its cost. */
  enumerate(ctx: TypeContext, env: readonly Type[], request: Type, parent: number, arg: number, upper: number, lower: number, k: (p: Program, cost: number) => void, depth: number): void {
    const req = ctx.apply(request);
    if (isArrow(req)) {
      this.enumerate(ctx, [req.args[0]!, ...env], req.args[1]!, parent, arg, upper, lower, (b, c) => k(lambda(b), c), depth);
      return;
    }
    if (upper <= 0 || depth <= 0) return;
    this.expand();
    for (const cand of this.grammar.candidates(ctx, env, req, parent, arg)) {
      const cost = -cand.logProb;
      if (cost >= upper) continue;
      const m = ctx.mark();
      const t = cand.variable !== undefined ? ctx.apply(env[cand.variable]!) : ctx.instantiate((cand.program as { type: Type }).type);
      if (ctx.unify(returnType(t), req)) {
        const argTypes = argumentTypes(ctx.apply(t));
        this.arguments(ctx, env, cand.program, cand.choice, argTypes, 0, upper - cost, lower - cost, (p, c) => k(p, c + cost), depth - 1);
      }
      ctx.undo(m);
    }
  }

  private arguments(
    ctx: TypeContext,
    env: readonly Type[],
    f: Program,
    parent: number,
    argTypes: readonly Type[],
    i: number,
    upper: number,
    lower: number,
    k: (p: Program, cost: number) => void,
    depth: number,
  ): void {
    if (i === argTypes.length) {
      if (lower <= 0 && upper > 0) k(f, 0);
      return;
    }
    const next = (a: Program, ca: number): void => this.arguments(ctx, env, apply(f, a), parent, argTypes, i + 1, upper - ca, lower - ca, (p, c) => k(p, c + ca), depth);
    const at = ctx.apply(argTypes[i]!);
    if (this.options.examples !== undefined && env.length === this.topArity && isGround(at) && !containsArrow(at)) {
      // Observational equivalence: of the argument terms with the same values on every example keep the cheapest.
      // A ground argument type binds nothing outside the argument, so the survivors can be replayed afterwards.
      const best = new Map<string, { a: Program; c: number }>();
      this.enumerate(ctx, env, at, parent, i, upper, 0, (a, c) => {
        const key = this.signature(a);
        const b = best.get(key);
        if (b === undefined) best.set(key, { a, c });
        else {
          this.stats.pruned++;
          if (c < b.c) best.set(key, { a, c });
        }
      }, depth);
      for (const { a, c } of best.values()) next(a, c);
      return;
    }
    this.enumerate(ctx, env, at, parent, i, upper, 0, next, depth);
  }

  private signature(a: Program): string {
    const parts: string[] = [];
    for (const env of this.options.examples!) {
      try {
        parts.push(valueKey(evaluateOpen(a, env, this.options.stepBudget)));
      } catch (e) {
        if (!(e instanceof RuntimeFault)) throw e;
        parts.push('⊥');
      }
    }
    return parts.join('|');
  }
}

function maxTypeVariable(t: Type): number {
  let m = -1;
  for (const v of typeVariables(t)) m = Math.max(m, v);
  return m;
}

/**
 * Every program of type `request` whose cost −log P(program | grammar) lies in [lower, upper), in depth-first
 * order (one window of iterative deepening; callers widen the window). Throws SearchStopped when a budget in
 * `options` runs out; `stats` accumulates across calls.
 */
export function enumerateWindow(
  grammar: Grammar,
  request: Type,
  lower: number,
  upper: number,
  sink: ProgramSink,
  options: EnumerationOptions = {},
  stats: EnumerationStats = { nodes: 0, programs: 0, pruned: 0 },
): EnumerationStats {
  const ctx = new TypeContext(maxTypeVariable(request) + 1);
  const e = new Enumerator(grammar, request, options, stats);
  e.enumerate(
    ctx,
    [],
    request,
    ROOT_PARENT,
    0,
    upper,
    lower,
    (p, cost) => {
      stats.programs++;
      sink(p, -cost);
    },
    e.maxDepth,
  );
  return stats;
}

/**
 * Programs of type `request` in decreasing prior probability, by iterative deepening: windows of `increment`
 * nats ([0, Δ), [Δ, 2Δ), …) up to `maxCost`, each window sorted by cost. Stops when `sink` returns true, when the
 * bound is reached, or (by SearchStopped) when a budget runs out.
 */
export function enumerateByCost(
  grammar: Grammar,
  request: Type,
  sink: (program: Program, logPrior: number) => boolean | void,
  options: EnumerationOptions & { increment?: number; maxCost?: number } = {},
  stats: EnumerationStats = { nodes: 0, programs: 0, pruned: 0 },
): EnumerationStats {
  const inc = options.increment ?? 1.5;
  const maxCost = options.maxCost ?? 40;
  for (let lower = 0; lower < maxCost; lower += inc) {
    const found: { p: Program; lp: number }[] = [];
    enumerateWindow(grammar, request, lower, lower + inc, (p, lp) => found.push({ p, lp }), options, stats);
    found.sort((a, b) => b.lp - a.lp);
    for (const { p, lp } of found) if (sink(p, lp) === true) return stats;
  }
  return stats;
}
