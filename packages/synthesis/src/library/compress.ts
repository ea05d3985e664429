import { inferType, TypeInferenceError } from '../lang/infer';
import { apply, index, lambda, programSize, shiftFree, showProgram, subterms, type Invented, type Program } from '../lang/program';
import { fitGrammar, type FitOptions, type Frontier } from '../search/fit-grammar';
import { callableKey, descriptionLength, Grammar } from '../search/grammar';
import { IbmModel1, type Model1Options } from '../language/ibm-model1';
import { programTokens } from '../language/program-tokens';
import { stemWord } from '../language/tokenize';

/**
 * Library learning by compression (the abstraction sleep of DreamCoder, in the fragment-grammar style of its
 * predecessor EC): candidate functions are anti-unifications of subterms shared by found programs — common
 * structure kept, differing subterms (and variables bound outside) turned into holes that become λ-bound
 * parameters — scored by minimum description length: the solutions' total description length under the
 * re-fitted grammar plus `structurePenalty` nats per node of each new function's body.
 */

/** A hole of a fragment (internal marker; never part of a finished program). */
const HOLE: Program = { kind: 'primitive', name: '?', type: { kind: 'var', id: 0 }, value: undefined };

/** A learned function with the pattern it rewrites. */
export interface Fragment {
  /** The subterm pattern with holes (the body before its holes were λ-abstracted). */
  readonly pattern: Program;
  /** Number of holes = parameters of `invented`. */
  readonly arity: number;
  readonly invented: Invented;
}

export interface CompressOptions {
  /** Most new functions to add (default 3). */
  readonly maxNewPrimitives?: number;
  /** Cost in nats of each node of a new function's body (default 1). */
  readonly structurePenalty?: number;
  /** Most parameters of a new function (default 3). */
  readonly maxArity?: number;
  /** Candidates fully scored per round, the best by a quick estimate (default 40). */
  readonly candidatesPerRound?: number;
  /** Grammar fitting options for the re-fitted grammars. */
  readonly fit?: FitOptions;
  /**
   * LAPS (Wong et al. 2021, §4.2): score a library by the language it explains as well. `words[i]` are the
   * description words of frontier i (empty: no description); the score subtracts `weight` × log p(words | program
   * tokens) under IBM Model 1 fitted (EM) to the descriptions and the frontiers' best programs as rewritten by the
   * library — a function that stands for a phrase the descriptions use raises that likelihood.
   */
  readonly language?: CompressionLanguage;
}

/** The language side of LAPS's compression objective (see CompressOptions.language). */
export interface CompressionLanguage {
  readonly words: readonly (readonly string[])[];
  /** Nats of program description length one nat of language log-likelihood is worth. */
  readonly weight: number;
  /** EM settings of the Model 1 fitted per candidate library (default 10 iterations). */
  readonly model1?: Model1Options;
}

/** One accepted function and the MDL score after accepting it. */
export interface CompressionStep {
  readonly invented: Invented;
  readonly score: number;
  /** How many subterms of the solutions it replaced. */
  readonly uses: number;
}

export interface CompressionResult {
  /** The base grammar's productions plus the new functions, fitted (with `options.fit`) to the rewritten frontiers. */
  readonly grammar: Grammar;
  readonly fragments: readonly Fragment[];
  /** The frontiers re-expressed with the new functions (same order, same programs). */
  readonly frontiers: readonly Frontier[];
  /**
   * MDL score (nats) with the base productions only: the frontiers' description length under the unigram grammar
   * fitted to them, plus the library's size times structurePenalty (0 here).
   */
  readonly scoreBefore: number;
  readonly scoreAfter: number;
  /** With `options.language`: log p(words | tokens) of the frontiers before and after (included in the scores, × weight). */
  readonly languageBefore?: number;
  readonly languageAfter?: number;
  readonly steps: readonly CompressionStep[];
}

function isHole(p: Program): boolean {
  return p === HOLE;
}

/** Leaves that are not holes (primitives, invented functions, indices): the "content" of a pattern. */
function leafCount(p: Program): number {
  if (isHole(p)) return 0;
  if (p.kind === 'lambda') return leafCount(p.body);
  if (p.kind === 'apply') return leafCount(p.f) + leafCount(p.x);
  return 1;
}

function holeCount(p: Program): number {
  if (isHole(p)) return 1;
  if (p.kind === 'lambda') return holeCount(p.body);
  if (p.kind === 'apply') return holeCount(p.f) + holeCount(p.x);
  return 0;
}

/** Whether the subterm at fragment depth `k` can fill a hole (it uses no variable bound inside the fragment). */
function liftable(p: Program, k: number): boolean {
  return shiftFree(p, -k) !== undefined;
}

/**
 * The most specific pattern of `a` and `b` (k = λs inside the fragment so far): equal parts kept, the rest holes.
 * A free variable (bound outside the fragment) becomes a hole. Undefined when a differing part uses a variable
 * bound inside the fragment; the nearest enclosing λ then becomes the hole instead.
 */
function antiUnify(a: Program, b: Program, k: number): Program | undefined {
  const hole = (): Program | undefined => (liftable(a, k) && liftable(b, k) ? HOLE : undefined);
  if (a.kind === 'index' && b.kind === 'index' && a.i === b.i && a.i < k) return a;
  if (a.kind === 'primitive' && b.kind === 'primitive' && a.name === b.name) return a;
  if (a.kind === 'invented' && b.kind === 'invented' && callableKey(a) === callableKey(b)) return a;
  if (a.kind === 'lambda' && b.kind === 'lambda') {
    const body = antiUnify(a.body, b.body, k + 1);
    return body !== undefined ? lambda(body) : hole();
  }
  if (a.kind === 'apply' && b.kind === 'apply') {
    const f = antiUnify(a.f, b.f, k);
    const x = f === undefined ? undefined : antiUnify(a.x, b.x, k);
    return f !== undefined && x !== undefined ? { kind: 'apply', f, x } : hole();
  }
  return hole();
}

/** Replaces the holes of `pattern` (pre-order j = 0 … h−1) by parameters and closes it with h λs. */
function abstractHoles(pattern: Program, h: number): Program {
  let j = 0;
  const go = (p: Program, d: number): Program => {
    if (isHole(p)) return index(d + (h - 1 - j++));
    if (p.kind === 'lambda') return lambda(go(p.body, d + 1));
    if (p.kind === 'apply') {
      const f = go(p.f, d);
      return { kind: 'apply', f, x: go(p.x, d) };
    }
    return p;
  };
  let body = go(pattern, 0);
  for (let i = 0; i < h; i++) body = lambda(body);
  return body;
}

/** A fragment from a pattern, or undefined when it is too small, too wide or does not type-check. */
function makeFragment(pattern: Program, maxArity: number): Fragment | undefined {
  const h = holeCount(pattern);
  if (h > maxArity || leafCount(pattern) < 2) return undefined;
  const body = abstractHoles(pattern, h);
  try {
    return { pattern, arity: h, invented: { kind: 'invented', body, type: inferType(body) } };
  } catch (e) {
    if (e instanceof TypeInferenceError) return undefined;
    throw e;
  }
}

/** Fillers of the pattern's holes when `term` matches it (k = λs inside the fragment), in hole order. */
function match(pattern: Program, term: Program, k: number, out: Program[]): boolean {
  if (isHole(pattern)) {
    const filler = shiftFree(term, -k);
    if (filler === undefined) return false;
    out.push(filler);
    return true;
  }
  switch (pattern.kind) {
    case 'index':
      return term.kind === 'index' && term.i === pattern.i;
    case 'primitive':
    case 'invented':
      return (term.kind === 'primitive' || term.kind === 'invented') && callableKey(term) === callableKey(pattern);
    case 'lambda':
      return term.kind === 'lambda' && match(pattern.body, term.body, k + 1, out);
    case 'apply':
      return term.kind === 'apply' && match(pattern.f, term.f, k, out) && match(pattern.x, term.x, k, out);
  }
}

/** Re-expresses `p` with the fragments (top-down: the largest matching subterm is replaced first). */
export function rewriteWith(p: Program, fragments: readonly Fragment[], counter?: { uses: number }): Program {
  for (const fr of fragments) {
    const fillers: Program[] = [];
    if (match(fr.pattern, p, 0, fillers)) {
      if (counter) counter.uses++;
      return apply(fr.invented, ...fillers.map((f) => rewriteWith(f, fragments, counter)));
    }
  }
  if (p.kind === 'lambda') return lambda(rewriteWith(p.body, fragments, counter));
  if (p.kind === 'apply') {
    const f = rewriteWith(p.f, fragments, counter);
    return { kind: 'apply', f, x: rewriteWith(p.x, fragments, counter) };
  }
  return p;
}

/** Candidate patterns from pairs of subterms of the programs (grouped by shape so only like subterms pair up). */
export function proposeFragments(programs: readonly Program[], maxArity = 3, perGroup = 40): Fragment[] {
  const groups = new Map<string, Program[]>();
  for (const prog of programs) {
    for (const { term } of subterms(prog)) {
      if (term.kind !== 'apply' && term.kind !== 'lambda') continue;
      const key = shapeKey(term);
      const g = groups.get(key) ?? [];
      if (g.length < perGroup) g.push(term);
      groups.set(key, g);
    }
  }
  const seen = new Set<string>();
  const out: Fragment[] = [];
  const consider = (pattern: Program | undefined): void => {
    if (pattern === undefined) return;
    const key = showProgram(pattern);
    if (seen.has(key)) return;
    seen.add(key);
    const fr = makeFragment(pattern, maxArity);
    if (fr !== undefined) out.push(fr);
  };
  for (const g of groups.values()) {
    for (let i = 0; i < g.length; i++) {
      for (let j = i; j < g.length; j++) consider(antiUnify(g[i]!, g[j]!, 0));
    }
  }
  return out;
}

/** λ depth and the head symbol of a subterm's application spine: subterms with different shapes never pair. */
function shapeKey(p: Program): string {
  let d = 0;
  while (p.kind === 'lambda') {
    p = p.body;
    d++;
  }
  let n = 0;
  while (p.kind === 'apply') {
    p = p.f;
    n++;
  }
  const head = p.kind === 'primitive' || p.kind === 'invented' ? callableKey(p) : '$';
  return `${d}:${head}:${n}`;
}

/** Total description length of the frontiers (best program of each) under `grammar`, nats. */
export function frontiersDescriptionLength(grammar: Grammar, frontiers: readonly Frontier[]): number {
  let total = 0;
  for (const f of frontiers) total += Math.min(...f.programs.map((p) => descriptionLength(grammar, f.request, p)));
  return total;
}

interface Scored {
  readonly score: number;
  /** log p(words | tokens) of the described frontiers (with options.language). */
  readonly language?: number;
  readonly grammar: Grammar;
  readonly frontiers: Frontier[];
  /** Subterms the last fragment replaced. */
  readonly uses: number;
}

function librarySize(fragments: readonly Fragment[]): number {
  return fragments.reduce((s, f) => s + programSize(f.invented.body), 0);
}

/**
 * log p(words | tokens) of the described frontiers' best programs after Model 1 is fitted to them: the language
 * term of LAPS's objective. Frontiers without words are left out; none at all gives 0.
 */
export function languageLikelihood(frontiers: readonly Frontier[], words: readonly (readonly string[])[], model1: Model1Options = {}): number {
  const pairs = frontiers
    .map((f, i) => ({ source: f.programs.length > 0 ? programTokens(f.programs[0]!) : [], target: (words[i] ?? []).map(stemWord) }))
    .filter((p) => p.target.length > 0 && p.source.length > 0);
  if (pairs.length === 0) return 0;
  return IbmModel1.train(pairs, { iterations: 10, ...model1 }).logLikelihoods.at(-1)!;
}

function scoreLibrary(base: Grammar, fragments: readonly Fragment[], frontiers: readonly Frontier[], options: CompressOptions, words?: readonly (readonly string[])[]): Scored {
  // One fragment at a time, in the order they were learned: a later fragment may contain an earlier one.
  let counter = { uses: 0 };
  let rewritten: Frontier[] = [...frontiers];
  for (const fr of fragments) {
    counter = { uses: 0 };
    rewritten = rewritten.map((f) => ({ request: f.request, programs: f.programs.map((p) => rewriteWith(p, [fr], counter)) }));
  }
  const g0 = base.withProductions(fragments.map((f) => f.invented));
  // Scored with a unigram grammar (as DreamCoder's compressor): a bigram model fitted to the very programs it
  // scores nearly memorises them and would leave nothing for a library to explain.
  const grammar = fitGrammar(g0, rewritten, { ...options.fit, bigram: false });
  // A frontier whose rewriting the grammar cannot derive keeps its original programs.
  const kept = rewritten.map((f, i) => (Number.isFinite(frontiersDescriptionLength(grammar, [f])) ? f : frontiers[i]!));
  const dl = frontiersDescriptionLength(grammar, kept);
  const mdl = dl + (options.structurePenalty ?? 1) * librarySize(fragments);
  const lang = options.language;
  if (lang === undefined || words === undefined || lang.weight === 0) return { score: mdl, grammar, frontiers: kept, uses: counter.uses };
  const language = languageLikelihood(kept, words, lang.model1);
  return { score: mdl - lang.weight * language, language, grammar, frontiers: kept, uses: counter.uses };
}

/**
 * Grows the library of `base` greedily: each round proposes fragments from the (rewritten) frontiers, scores
 * the `candidatesPerRound` most promising by MDL, and keeps the best if it lowers the score; stops after
 * `maxNewPrimitives` rounds or when nothing helps. Returns the re-fitted grammar and re-expressed frontiers.
 */
export function compress(base: Grammar, frontiers: readonly Frontier[], options: CompressOptions = {}): CompressionResult {
  const maxNew = options.maxNewPrimitives ?? 3;
  const maxArity = options.maxArity ?? 3;
  const perRound = options.candidatesPerRound ?? 40;
  if (options.language !== undefined && options.language.words.length !== frontiers.length) {
    throw new RangeError(`compress: ${options.language.words.length} descriptions for ${frontiers.length} frontiers`);
  }
  const liveIndex = frontiers.flatMap((f, i) => (f.programs.length > 0 ? [i] : []));
  const live = liveIndex.map((i) => frontiers[i]!);
  const words = options.language === undefined ? undefined : liveIndex.map((i) => options.language!.words[i]!);
  let fragments: Fragment[] = [];
  let current = scoreLibrary(base, fragments, live, options, words);
  const scoreBefore = current.score;
  const languageBefore = current.language;
  const steps: CompressionStep[] = [];
  for (let round = 0; round < maxNew; round++) {
    const programs = current.frontiers.flatMap((f) => f.programs);
    const known = new Set(fragments.map((f) => showProgram(f.invented)));
    const candidates = proposeFragments(programs, maxArity).filter((f) => !known.has(showProgram(f.invented)));
    // Quick estimate: nodes saved ≈ uses × (pattern leaves − 1).
    const estimated = candidates
      .map((fr) => {
        const counter = { uses: 0 };
        for (const p of programs) rewriteWith(p, [fr], counter);
        return { fr, gain: counter.uses * (leafCount(fr.pattern) - 1) - (options.structurePenalty ?? 1) * programSize(fr.invented.body) };
      })
      .filter((c) => c.gain > 0)
      .sort((a, b) => b.gain - a.gain)
      .slice(0, perRound);
    let best: { fr: Fragment; scored: Scored } | undefined;
    for (const { fr } of estimated) {
      const scored = scoreLibrary(base, [...fragments, fr], live, options, words);
      if (best === undefined || scored.score < best.scored.score) best = { fr, scored };
    }
    if (best === undefined || best.scored.score >= current.score - 1e-9) break;
    fragments = [...fragments, best.fr];
    current = best.scored;
    steps.push({ invented: best.fr.invented, score: current.score, uses: current.uses });
  }
  // Frontiers with no programs pass through unchanged, in their places.
  let k = 0;
  const outFrontiers = frontiers.map((f) => (f.programs.length > 0 ? current.frontiers[k++]! : f));
  const grammar = fitGrammar(base.withProductions(fragments.map((f) => f.invented)), current.frontiers, options.fit);
  return { grammar, fragments, frontiers: outFrontiers, scoreBefore, scoreAfter: current.score, languageBefore, languageAfter: current.language, steps };
}
