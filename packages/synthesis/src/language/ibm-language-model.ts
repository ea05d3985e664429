import type { Callable, Program } from '../lang/program';
import { callableKey } from '../search/grammar';
import type { LanguageModel } from '../wake-sleep/wake-sleep';
import type { Model1Options } from './ibm-model1';
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
}

/**
 * The LAPS language model for `runWakeSleep` (conditions laps-train / laps-test): `fit` trains IBM Model 1
 * (`trainTranslationModel`) on (description words, program tokens) of the solved train tasks, one pair per
 * frontier program; `primitivePrior` turns a task's words into log-weight offsets aligned to the grammar's
 * choices (productions by `callableKey`, then the variable, which gets 0), centred to mean 0 over the
 * productions. Words are stemmed (`stemWord`) on both sides. Before any fit with at least one described,
 * non-empty pair — and for a task without words — it returns undefined (no opinion).
 */
export function ibmLanguageModel(options: IbmLanguageModelOptions = {}): LanguageModel & { readonly model: () => TranslationModel | undefined } {
  const strength = options.strength ?? 1;
  if (!Number.isFinite(strength)) throw new RangeError(`ibmLanguageModel: strength must be finite, got ${strength}`);
  let model: TranslationModel | undefined;
  const stem = (words: readonly string[]): string[] => words.map(stemWord);
  return {
    model: () => model,
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
