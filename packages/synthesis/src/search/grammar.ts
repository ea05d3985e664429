import { parseProgram } from '../lang/parse-program';
import { allPrimitives } from '../lang/primitives';
import { applicationSpine, index, lambda, shiftFree, showProgram, apply, type Callable, type Primitive, type Program } from '../lang/program';
import { argumentTypes, canonicalType, isArrow, returnType, showType, TypeContext, type Type } from '../lang/types';

/** The parent of a choice point: a production index, `grammar.variableIndex` (a variable applied to arguments) or ROOT. */
export const ROOT_PARENT = -1;

/** One way to fill a choice point: a production (`variable` undefined) or the variable `$variable`. */
export interface Candidate {
  /** Production index, or `grammar.variableIndex` for a variable. */
  readonly choice: number;
  /** De Bruijn index when the choice is a variable. */
  readonly variable?: number;
  readonly program: Program;
  /** Log probability of this choice among the candidates that fit the requested type. */
  readonly logProb: number;
}

interface ProductionTable {
  readonly weights: readonly number[];
  readonly logMass: number;
  readonly alone: Candidate[];
}

/** One choice of a derivation: `choice` filled argument `arg` of `parent` (see ROOT_PARENT). */
export interface ChoiceUse {
  readonly parent: number;
  readonly arg: number;
  readonly choice: number;
  /** The choices whose type fitted there (production indices, `variableIndex` once), when `derive` was asked for them. */
  readonly open?: readonly number[];
}

/** The JSON form of a grammar: production names (`#…` for invented ones) and its log-weights. */
export interface GrammarJson {
  readonly productions: readonly string[];
  readonly unigram: readonly number[];
  readonly bigram: readonly (readonly [string, readonly number[]])[];
}

export function bigramKey(parent: number, arg: number): string {
  return `${parent}/${arg}`;
}

/** The name a production is known by: a primitive's name or an invented function's `#…` text. */
export function callableKey(c: Callable): string {
  return c.kind === 'primitive' ? c.name : showProgram(c);
}

function logSumExp(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  if (m === -Infinity) return m;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

/**
 * A probabilistic grammar over programs: log-weights for each production (primitives and invented functions)
 * and for "a variable" (index `variableIndex`, shared equally among the variables in scope that fit), as a
 * unigram vector plus optional parent-conditioned bigram offsets keyed by (parent, argument index). The score of
 * a choice is `unigram[c] + bigram[parent/arg][c]`, normalised over the choices whose type fits the request.
 */
export class Grammar {
  private readonly keyToIndex: ReadonlyMap<string, number>;
  /** Production candidates by (parent, argument, canonical request); see productionTable. */
  private readonly tableCache = new Map<string, ProductionTable>();

  constructor(
    readonly productions: readonly Callable[],
    /** Length productions.length + 1; the last entry is the variable weight. */
    readonly unigram: readonly number[],
    /** Offsets (length productions.length + 1) by bigramKey(parent, arg); missing means zero. */
    readonly bigram: ReadonlyMap<string, readonly number[]> = new Map(),
  ) {
    if (unigram.length !== productions.length + 1) throw new Error(`grammar: ${unigram.length} unigram weights for ${productions.length} productions + 1 variable`);
    const m = new Map<string, number>();
    productions.forEach((p, i) => {
      const k = callableKey(p);
      if (m.has(k)) throw new Error(`grammar: production ${k} appears twice`);
      m.set(k, i);
    });
    for (const [k, v] of bigram) if (v.length !== unigram.length) throw new Error(`grammar: bigram ${k} has ${v.length} weights, expected ${unigram.length}`);
    this.keyToIndex = m;
  }

  /** All weights zero: every fitting choice equally likely. */
  static uniform(productions: readonly Callable[]): Grammar {
    return new Grammar(productions, new Array<number>(productions.length + 1).fill(0));
  }

  get variableIndex(): number {
    return this.productions.length;
  }

  indexOf(c: Callable): number | undefined {
    return this.keyToIndex.get(callableKey(c));
  }

  /** Unnormalised log-weight of `choice` at argument `arg` of `parent`. */
  weight(parent: number, arg: number, choice: number): number {
    const off = this.bigram.get(bigramKey(parent, arg));
    return this.unigram[choice]! + (off === undefined ? 0 : off[choice]!);
  }

  /** The choices whose return type unifies with `request` (not an arrow) in scope `env`, with their log probabilities. */
  candidates(ctx: TypeContext, env: readonly Type[], request: Type, parent: number, arg: number): Candidate[] {
    const req = ctx.apply(request);
    const vars: number[] = [];
    for (let j = 0; j < env.length; j++) {
      const m = ctx.mark();
      const ok = ctx.unify(returnType(ctx.apply(env[j]!)), req);
      ctx.undo(m);
      if (ok) vars.push(j);
    }
    const table = this.productionTable(ctx, req, parent, arg);
    if (vars.length === 0) return table.alone;
    const wv = this.weight(parent, arg, this.variableIndex);
    const z = logSumExp([table.logMass, wv]);
    const out: Candidate[] = table.weights.map((w, k) => ({ ...table.alone[k]!, logProb: w - z }));
    const each = wv - Math.log(vars.length) - z;
    for (const j of vars) out.push({ choice: this.variableIndex, variable: j, program: index(j), logProb: each });
    return out;
  }

  /**
   * The productions that fit `req` at (parent, arg), their weights, the log of their total mass and their
   * candidates normalised without variables. Which productions fit depends only on the request up to renaming
   * of its variables, so the table is cached by the canonical request.
   */
  private productionTable(ctx: TypeContext, req: Type, parent: number, arg: number): ProductionTable {
    const key = `${bigramKey(parent, arg)}|${showType(canonicalType(req))}`;
    const hit = this.tableCache.get(key);
    if (hit !== undefined) return hit;
    const choices: number[] = [];
    for (let i = 0; i < this.productions.length; i++) {
      const m = ctx.mark();
      const ok = ctx.unify(returnType(ctx.instantiate(this.productions[i]!.type)), req);
      ctx.undo(m);
      if (ok) choices.push(i);
    }
    const weights = choices.map((c) => this.weight(parent, arg, c));
    const logMass = logSumExp(weights);
    const alone = choices.map((c, k) => ({ choice: c, program: this.productions[c]!, logProb: weights[k]! - logMass }));
    const table = { weights, logMass, alone };
    if (this.tableCache.size < 200_000) this.tableCache.set(key, table);
    return table;
  }

  /** The same productions and weights with `extra` appended (weight `logWeight` each, no bigram offsets for them). */
  withProductions(extra: readonly Callable[], logWeight = 0): Grammar {
    const n = this.productions.length;
    const pad = (v: readonly number[], fill: number): number[] => [...v.slice(0, n), ...extra.map(() => fill), v[n]!];
    const bigram = new Map<string, number[]>();
    for (const [k, v] of this.bigram) bigram.set(k, pad(v, 0));
    return new Grammar([...this.productions, ...extra], pad(this.unigram, logWeight), bigram);
  }

  toJson(): GrammarJson {
    return { productions: this.productions.map(callableKey), unigram: [...this.unigram], bigram: [...this.bigram].map(([k, v]) => [k, [...v]] as const) };
  }

  /** Rebuilds a grammar from toJson's output; names resolve through `primitives`, `#…` entries are parsed. */
  static fromJson(json: GrammarJson, primitives: ReadonlyMap<string, Primitive> = allPrimitives()): Grammar {
    const productions = json.productions.map((name): Callable => {
      if (name.startsWith('#')) {
        const p = parseProgram(name, primitives);
        if (p.kind !== 'invented') throw new Error(`grammar: ${name} is not an invented function`);
        return p;
      }
      const p = primitives.get(name);
      if (p === undefined) throw new Error(`grammar: unknown primitive "${name}"`);
      return p;
    });
    return new Grammar(productions, json.unigram, new Map(json.bigram.map(([k, v]) => [k, v])));
  }
}

/** `p` η-expanded once: `(lambda (p' $0))` with p's free variables shifted past the new binder. */
export function etaExpand(p: Program): Program {
  return lambda(apply(shiftFree(p, 1)!, index(0)));
}

/** A program's log prior under a grammar and the choices that derive it. */
export interface Derivation {
  readonly logProb: number;
  readonly uses: readonly ChoiceUse[];
}

/**
 * How `grammar` derives `program` for `request` (the enumerator's choices, in η-long form: a term of arrow type
 * that is not a λ is η-expanded). Undefined when the grammar cannot produce it (an unknown production, a type
 * mismatch, a partial application where the enumerator would apply fully). With `withOpen`, each use also lists
 * the choices that were open at its choice point (what a recognition model normalises over).
 */
export function derive(grammar: Grammar, request: Type, program: Program, withOpen = false): Derivation | undefined {
  const ctx = new TypeContext(1000);
  const uses: ChoiceUse[] = [];
  const walk = (env: readonly Type[], req0: Type, p0: Program, parent: number, arg: number): number => {
    let req = ctx.apply(req0);
    let p = p0;
    let e = env;
    while (isArrow(req)) {
      if (p.kind !== 'lambda') p = etaExpand(p);
      e = [req.args[0]!, ...e];
      p = (p as { body: Program }).body;
      req = ctx.apply(req.args[1]!);
    }
    if (p.kind === 'lambda') return -Infinity;
    const { head, args } = applicationSpine(p);
    const cands = grammar.candidates(ctx, e, req, parent, arg);
    let cand: Candidate | undefined;
    if (head.kind === 'index') cand = cands.find((c) => c.variable === head.i);
    else if (head.kind === 'primitive' || head.kind === 'invented') {
      const i = grammar.indexOf(head);
      cand = i === undefined ? undefined : cands.find((c) => c.choice === i && c.variable === undefined);
    }
    if (cand === undefined) return -Infinity;
    const t = head.kind === 'index' ? ctx.apply(e[head.i]!) : ctx.instantiate((head as Callable).type);
    if (!ctx.unify(returnType(t), req)) return -Infinity;
    const argTypes = argumentTypes(ctx.apply(t));
    if (argTypes.length !== args.length) return -Infinity;
    uses.push(withOpen ? { parent, arg, choice: cand.choice, open: [...new Set(cands.map((c) => c.choice))] } : { parent, arg, choice: cand.choice });
    let lp = cand.logProb;
    for (let k = 0; k < args.length && lp > -Infinity; k++) lp += walk(e, argTypes[k]!, args[k]!, cand.choice, k);
    return lp;
  };
  const lp = walk([], ctx.instantiate(request), program, ROOT_PARENT, 0);
  return lp === -Infinity ? undefined : { logProb: lp, uses };
}

/** −log P(program | grammar, request) in nats (Infinity when the grammar cannot derive it). */
export function descriptionLength(grammar: Grammar, request: Type, program: Program): number {
  const d = derive(grammar, request, program);
  return d === undefined ? Infinity : -d.logProb;
}
