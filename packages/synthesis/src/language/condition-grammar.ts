import { callableKey, Grammar } from '../search/grammar';

/**
 * A grammar conditioned on a prior over its productions (e.g. `primitivePrior` of a task's words): each
 * production's unigram log-weight is shifted by `weight` × its prior log-weight, centred so the shifts
 * average 0 over the productions the prior covers (a production it does not name, and the variable weight,
 * stay as they are). The enumerator normalises over the choices that fit each request, so adding offsets
 * is all that conditioning takes; bigram offsets are kept.
 */
export function conditionGrammar(grammar: Grammar, prior: ReadonlyMap<string, number>, weight = 1): Grammar {
  if (!Number.isFinite(weight)) throw new RangeError(`conditionGrammar: weight must be finite, got ${weight}`);
  const keys = grammar.productions.map(callableKey);
  const covered = keys.filter((k) => prior.has(k));
  if (covered.length === 0) return grammar;
  for (const k of covered) if (!Number.isFinite(prior.get(k)!)) throw new RangeError(`conditionGrammar: the prior of ${k} is ${prior.get(k)}`);
  const mean = covered.reduce((s, k) => s + prior.get(k)!, 0) / covered.length;
  const unigram = grammar.unigram.map((w, i) => (i < keys.length && prior.has(keys[i]!) ? w + weight * (prior.get(keys[i]!)! - mean) : w));
  return new Grammar(grammar.productions, unigram, grammar.bigram);
}
