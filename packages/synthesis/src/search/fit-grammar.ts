import type { Program } from '../lang/program';
import type { Type } from '../lang/types';
import { bigramKey, derive, Grammar } from './grammar';

/** The programs found for one task (its frontier), all of type `request`. */
export interface Frontier {
  readonly request: Type;
  readonly programs: readonly Program[];
}

export interface FitOptions {
  /** Dirichlet pseudo-count added to every production's unigram count (default 1). */
  readonly pseudoCounts?: number;
  /** Fit parent-conditioned bigram offsets too (default true). */
  readonly bigram?: boolean;
  /** Strength (in pseudo-observations) of the bigram prior centred on the unigram distribution (default 2). */
  readonly bigramPrior?: number;
}

/**
 * Fits a grammar's weights to found programs: each frontier contributes weight 1, shared equally by its
 * programs; every choice of a program's derivation counts for the chosen production (or "variable").
 * Unigram log-weights are log((c + α) / (N + α·K)) (α = pseudoCounts, K productions + 1); for each
 * (parent, argument) seen, the bigram distribution is the Dirichlet posterior centred on the unigram one,
 * P(c | ctx) = (c_ctx + β·p(c)) / (N_ctx + β), stored as the offset log P(c | ctx) − log p(c).
 * Programs the base grammar cannot derive are skipped. The productions are `base`'s.
 */
export function fitGrammar(base: Grammar, frontiers: readonly Frontier[], options: FitOptions = {}): Grammar {
  const alpha = options.pseudoCounts ?? 1;
  const beta = options.bigramPrior ?? 2;
  const k = base.productions.length + 1;
  const counts = new Array<number>(k).fill(0);
  const ctxCounts = new Map<string, number[]>();
  for (const f of frontiers) {
    const derivations = f.programs.map((p) => derive(base, f.request, p)).filter((d) => d !== undefined);
    for (const d of derivations) {
      const w = 1 / derivations.length;
      for (const u of d.uses) {
        counts[u.choice]! += w;
        const key = bigramKey(u.parent, u.arg);
        let c = ctxCounts.get(key);
        if (c === undefined) ctxCounts.set(key, (c = new Array<number>(k).fill(0)));
        c[u.choice]! += w;
      }
    }
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const unigramP = counts.map((c) => (c + alpha) / (total + alpha * k));
  const unigram = unigramP.map(Math.log);
  const bigram = new Map<string, number[]>();
  if (options.bigram !== false) {
    for (const [key, c] of ctxCounts) {
      const n = c.reduce((a, b) => a + b, 0);
      bigram.set(
        key,
        c.map((ci, i) => Math.log((ci + beta * unigramP[i]!) / (n + beta)) - unigram[i]!),
      );
    }
  }
  return new Grammar(base.productions, unigram, bigram);
}
