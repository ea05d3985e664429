import { apply, lambda, type Program } from '../lang/program';
import { argumentTypes, isArrow, returnType, typeVariables, TypeContext, type Type } from '../lang/types';
import { ROOT_PARENT, type Grammar } from './grammar';

export interface SampleOptions {
  /** Give up (return undefined) past this many nested choices (default 20). */
  readonly maxDepth?: number;
}

/** A program drawn from the grammar with its log prior. */
export interface SampledProgram {
  readonly program: Program;
  readonly logPrior: number;
}

class TooDeep extends Error {}

/**
 * Draws a program of type `request` from the grammar's distribution (each choice with the probability the
 * enumerator gives it), e.g. for the recognition model's "dreams". `random` returns uniform numbers in [0, 1)
 * (pass a seeded generator such as core's Rng). Undefined when the draw nests deeper than `maxDepth`.
 */
export function sampleProgram(grammar: Grammar, request: Type, random: () => number, options: SampleOptions = {}): SampledProgram | undefined {
  const maxDepth = options.maxDepth ?? 20;
  let first = 0;
  for (const v of typeVariables(request)) first = Math.max(first, v + 1);
  const ctx = new TypeContext(first);
  let logPrior = 0;
  const draw = (env: readonly Type[], req0: Type, parent: number, arg: number, depth: number): Program => {
    const req = ctx.apply(req0);
    if (isArrow(req)) return lambda(draw([req.args[0]!, ...env], req.args[1]!, parent, arg, depth));
    if (depth > maxDepth) throw new TooDeep();
    const cands = grammar.candidates(ctx, env, req, parent, arg);
    if (cands.length === 0) throw new TooDeep();
    let u = random();
    let pick = cands[cands.length - 1]!;
    for (const c of cands) {
      u -= Math.exp(c.logProb);
      if (u < 0) {
        pick = c;
        break;
      }
    }
    logPrior += pick.logProb;
    const t = pick.variable !== undefined ? ctx.apply(env[pick.variable]!) : ctx.instantiate((pick.program as { type: Type }).type);
    ctx.unify(returnType(t), req);
    const argTypes = argumentTypes(ctx.apply(t));
    let p = pick.program;
    argTypes.forEach((at, k) => {
      p = apply(p, draw(env, at, pick.choice, k, depth + 1));
    });
    return p;
  };
  try {
    return { program: draw([], request, ROOT_PARENT, 0, 0), logPrior };
  } catch (e) {
    if (e instanceof TooDeep) return undefined;
    throw e;
  }
}
