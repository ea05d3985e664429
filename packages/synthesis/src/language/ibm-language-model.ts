import type { Callable, Program } from '../lang/program';
import { callableKey } from '../search/grammar';
import type { LanguageModel } from '../wake-sleep/wake-sleep';
import { IbmModel1, type Model1Json, type Model1Options } from './ibm-model1';
import { programTokens } from './program-tokens';
import { stemWord } from './tokenize';
import { primitivePrior, trainTranslationModel, type LanguageProgramPair, type PriorOptions, type TranslationModel } from './translation-model';

export interface IbmLanguageModelOptions {
  /** EM options of the two Model 1 directions. */
  readonly model1?: Model1Options;
  /** `primitivePrior` options (weight, uniformMix). */
  readonly prior?: PriorOptions;
  /** Scales the centred prior offsets added to the grammar's log-weights (default 1; 0 turns the prior off). */
  readonly strength?: number;
  /** A model already fitted (e.g. read back from a library file): the prior is available before any `fit`. */
  readonly model?: TranslationModel;
}

/** A fitted `ibmLanguageModel` as JSON (the `language` of a library file): both Model 1 tables and the prior's settings. */
export interface IbmLanguageModelJson {
  readonly kind: 'ibm-model1';
  readonly prior: PriorOptions;
  readonly strength: number;
  /** p(words | program tokens). */
  readonly wordsGivenTokens: Model1Json;
  /** p(program tokens | words): the table the prior over primitives is read from. */
  readonly tokensGivenWords: Model1Json;
}

/** The LAPS language model `ibmLanguageModel` returns: a `LanguageModel` whose fitted tables can be read and saved. */
export interface IbmLanguageModel extends LanguageModel {
  readonly model: () => TranslationModel | undefined;
  /** The fitted model and its prior settings as JSON; undefined before a fit with data. */
  toJson(): IbmLanguageModelJson | undefined;
}

/**
 * The LAPS language model for `runWakeSleep` (conditions laps-train / laps-test): `fit` trains IBM Model 1
 * (`trainTranslationModel`) on (description words, program tokens) of the solved train tasks, one pair per
 * frontier program; `primitivePrior` turns a task's words into log-weight offsets aligned to the grammar's
 * choices (productions by `callableKey`, then the variable, which gets 0), centred to mean 0 over the
 * productions. Words are stemmed (`stemWord`) on both sides. Before any fit with at least one described,
 * non-empty pair — and for a task without words — it returns undefined (no opinion).
 */
export function ibmLanguageModel(options: IbmLanguageModelOptions = {}): IbmLanguageModel {
  const strength = options.strength ?? 1;
  if (!Number.isFinite(strength)) throw new RangeError(`ibmLanguageModel: strength must be finite, got ${strength}`);
  let model: TranslationModel | undefined = options.model;
  const stem = (words: readonly string[]): string[] => words.map(stemWord);
  return {
    model: () => model,
    toJson: () =>
      model === undefined
        ? undefined
        : { kind: 'ibm-model1', prior: { ...options.prior }, strength, wordsGivenTokens: model.wordsGivenTokens.toJson(), tokensGivenWords: model.tokensGivenWords.toJson() },
    fit(pairs: readonly { readonly words: readonly string[]; readonly programs: readonly Program[] }[]): void {
      const corpus: LanguageProgramPair[] = [];
      for (const p of pairs) {
        if (p.words.length === 0) continue;
        const words = stem(p.words);
        for (const program of p.programs) {
          const tokens = programTokens(program);
          if (tokens.length > 0) corpus.push({ words, tokens });
        }
      }
      model = corpus.length === 0 ? undefined : trainTranslationModel(corpus, options.model1).model;
    },
    primitivePrior(words: readonly string[], productions: readonly Callable[]): readonly number[] | undefined {
      if (model === undefined || words.length === 0 || productions.length === 0) return undefined;
      const keys = productions.map(callableKey);
      const prior = primitivePrior(model, stem(words), keys, options.prior);
      const logs = keys.map((k) => prior.get(k)!);
      const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
      return [...logs.map((x) => strength * (x - mean)), 0];
    },
  };
}

/** The model `IbmLanguageModel.toJson` saved, ready to give priors (fitting it again replaces the tables). */
export function ibmLanguageModelFromJson(json: IbmLanguageModelJson): IbmLanguageModel {
  return ibmLanguageModel({
    prior: json.prior,
    strength: json.strength,
    model: { wordsGivenTokens: IbmModel1.fromJson(json.wordsGivenTokens), tokensGivenWords: IbmModel1.fromJson(json.tokensGivenWords) },
  });
}
