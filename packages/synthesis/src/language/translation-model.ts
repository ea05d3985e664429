import { IbmModel1, type Model1Options, type ParallelPair } from './ibm-model1';

/**
 * LAPS's language side (Wong et al. 2021, §4): a translation model between the words of task descriptions
 * and the tokens of the programs that solve them, fitted on solved tasks. Both directions are IBM Model 1:
 * p(words | tokens) — the likelihood of language given programs, which scores candidate abstractions — and
 * p(tokens | words) — which turns a new task's description into a prior over primitives for search.
 * Independent of the program representation: tokens are strings (see `programTokens`).
 */

export interface LanguageProgramPair {
  /** Description words (see `tokenizeDescription`). */
  readonly words: readonly string[];
  /** Program tokens (see `programTokens`). */
  readonly tokens: readonly string[];
}

export interface TranslationModel {
  /** Source: program tokens; target: words. */
  readonly wordsGivenTokens: IbmModel1;
  /** Source: words; target: program tokens. */
  readonly tokensGivenWords: IbmModel1;
}

export interface TranslationTraining {
  readonly model: TranslationModel;
  /** EM log-likelihoods of each direction (index k: after k iterations). */
  readonly wordsGivenTokensLogLikelihoods: readonly number[];
  readonly tokensGivenWordsLogLikelihoods: readonly number[];
}

function check(corpus: readonly LanguageProgramPair[]): void {
  if (corpus.length === 0) throw new RangeError('translation model: the corpus is empty');
}

export function trainTranslationModel(corpus: readonly LanguageProgramPair[], options: Model1Options = {}): TranslationTraining {
  check(corpus);
  const w = IbmModel1.train(
    corpus.map((p) => ({ source: p.tokens, target: p.words })),
    options,
  );
  const t = IbmModel1.train(
    corpus.map((p) => ({ source: p.words, target: p.tokens })),
    options,
  );
  return {
    model: { wordsGivenTokens: w.model, tokensGivenWords: t.model },
    wordsGivenTokensLogLikelihoods: w.logLikelihoods,
    tokensGivenWordsLogLikelihoods: t.logLikelihoods,
  };
}

export interface AbstractionScore {
  /** log p(words | tokens) of the corpus, model fitted to the programs as they are. */
  readonly before: number;
  /** The same with the programs rewritten to use the abstraction, model re-fitted. */
  readonly after: number;
  /** after − before: how much the abstraction improves the likelihood of language given programs (nats). */
  readonly gain: number;
}

/**
 * Scores a candidate abstraction by the language it explains: Model 1 for p(words | tokens) is fitted to the
 * corpus as it is and to the corpus with the programs rewritten to use the abstraction (`rewritten[i]` is
 * the token list of `corpus[i]`'s program re-expressed with it, the abstraction one new token), and the
 * gain is the difference of the fitted log-likelihoods. An abstraction that matches a phrase the
 * descriptions use gains more than one that only shortens programs (shorter programs gain a little
 * anyway: Model 1 spreads each word over fewer source positions).
 */
export function scoreAbstraction(corpus: readonly LanguageProgramPair[], rewritten: readonly (readonly string[])[], options: Model1Options = {}): AbstractionScore {
  check(corpus);
  if (rewritten.length !== corpus.length) throw new RangeError(`scoreAbstraction: ${rewritten.length} rewritten programs for ${corpus.length} tasks`);
  const fit = (tokens: (i: number) => readonly string[]): number => {
    const { logLikelihoods } = IbmModel1.train(
      corpus.map((p, i) => ({ source: tokens(i), target: p.words })),
      options,
    );
    return logLikelihoods.at(-1)!;
  };
  const before = fit((i) => corpus[i]!.tokens);
  const after = fit((i) => rewritten[i]!);
  return { before, after, gain: after - before };
}

/** log p(words | tokens) summed over a corpus (smoothed, so finite on new words). */
export function languageLogLikelihood(model: TranslationModel, corpus: readonly LanguageProgramPair[]): number {
  return model.wordsGivenTokens.corpusLogLikelihood(corpus.map((p): ParallelPair => ({ source: p.tokens, target: p.words })));
}

export interface PriorOptions {
  /** Multiplies the log-probabilities before normalising (0: uniform, 1: the model's distribution; default 1). */
  readonly weight?: number;
  /**
   * Share of a uniform distribution over `primitives` mixed into the model's (default 0.5): a primitive the
   * fitted tasks never used (new tasks often need one) keeps a fair chance instead of the unknown-word floor.
   */
  readonly uniformMix?: number;
}

/**
 * A prior over primitives from a task's words: log p(token | words) = log 1/(m+1) Σ_{w ∈ words ∪ NULL}
 * t(token | w) under the p(tokens | words) model (Model 1's marginal for one target token), scaled by
 * normalised over `primitives`, mixed with the uniform distribution over them (`uniformMix`), raised to
 * `weight` and renormalised (log-softmax), so the result can be added to or replace a grammar's unigram
 * log-weights (`conditionGrammar`). Unknown words translate uniformly; a primitive the model never saw keeps
 * the unknown-word mass, so nothing gets probability 0. No words at all gives the NULL word's distribution.
 */
export function primitivePrior(model: TranslationModel, words: readonly string[], primitives: readonly string[], options: PriorOptions = {}): Map<string, number> {
  const weight = options.weight ?? 1;
  const mix = options.uniformMix ?? 0.5;
  if (!(mix >= 0 && mix <= 1)) throw new RangeError(`primitivePrior: uniformMix must be in [0, 1], got ${mix}`);
  if (primitives.length === 0) return new Map();
  const p = primitives.map((q) => Math.exp(model.tokensGivenWords.logLikelihood(words, [q])));
  const total = p.reduce((a, b) => a + b, 0);
  const raw = p.map((x) => weight * Math.log((1 - mix) * (x / total) + mix / primitives.length));
  const max = Math.max(...raw);
  const logZ = max + Math.log(raw.reduce((s, x) => s + Math.exp(x - max), 0));
  return new Map(primitives.map((q, i) => [q, raw[i]! - logZ]));
}
