/**
 * IBM Model 1 (Brown et al. 1993, §4.1): a target sentence f_1…f_m is generated from a source sentence
 * e_0 = NULL, e_1…e_l by choosing, for each target word independently, a source position uniformly and
 * translating that word with t(f | e):
 *
 *     p(f | e) = Π_j 1/(l+1) Σ_i t(f_j | e_i)
 *
 * (the sentence-length factor ε is a constant and left out). EM: the E-step spreads each target word over
 * the source words in proportion to t (the posterior of its alignment), the M-step renormalises the
 * expected counts per source word. The log-likelihood never decreases across iterations (the model is a
 * mixture per target word, EM's monotonicity applies), which `train` records and the tests check.
 *
 * Sentences are token lists of any vocabulary: description words or program tokens, either way round.
 * Unknown words: at query time a mass `unknownMass` is set aside for target words not seen in training
 * (one shared slot, so the distribution over known words + the slot sums to 1), and a source word not
 * seen in training translates uniformly.
 */

export const NULL_TOKEN = '<null>';

export interface ParallelPair {
  readonly source: readonly string[];
  readonly target: readonly string[];
}

export interface Model1Options {
  /** EM iterations (default 20). */
  readonly iterations?: number;
  /** Stop early once an iteration improves the log-likelihood by less than this, in nats per target word (default 0: never). */
  readonly tolerance?: number;
  /** Probability kept at query time for target words unseen in training (default 1e-3). */
  readonly unknownMass?: number;
}

export interface Model1Training {
  readonly model: IbmModel1;
  /** Corpus log-likelihood under the parameters after k EM iterations, k = 0 (uniform start) … iterations. */
  readonly logLikelihoods: readonly number[];
}

export interface Model1Json {
  readonly format: 'kt-ibm-model1';
  readonly unknownMass: number;
  readonly targetVocabulary: readonly string[];
  /** [source word, [[target word, t(target | source)], …]] */
  readonly table: readonly (readonly [string, readonly (readonly [string, number])[]])[];
}

type Table = Map<string, Map<string, number>>;

/** One E-step over the corpus: expected counts and the log-likelihood under `t`. */
function expectation(pairs: readonly ParallelPair[], t: (f: string, e: string) => number): { counts: Table; ll: number } {
  const counts: Table = new Map();
  let ll = 0;
  for (const { source, target } of pairs) {
    const src = [NULL_TOKEN, ...source];
    for (const f of target) {
      let z = 0;
      for (const e of src) z += t(f, e);
      ll += Math.log(z / src.length);
      for (const e of src) {
        const p = t(f, e) / z;
        if (p === 0) continue;
        let row = counts.get(e);
        if (row === undefined) counts.set(e, (row = new Map()));
        row.set(f, (row.get(f) ?? 0) + p);
      }
    }
  }
  return { counts, ll };
}

export class IbmModel1 {
  private readonly known: ReadonlySet<string>;

  private constructor(
    /** t(target | source) for the pairs that co-occur in training. */
    private readonly table: ReadonlyMap<string, ReadonlyMap<string, number>>,
    readonly targetVocabulary: readonly string[],
    readonly unknownMass: number,
  ) {
    this.known = new Set(targetVocabulary);
  }

  /** EM from the uniform t(f | e) = 1/|target vocabulary|. */
  static train(pairs: readonly ParallelPair[], options: Model1Options = {}): Model1Training {
    const iterations = options.iterations ?? 20;
    const tolerance = options.tolerance ?? 0;
    const unknownMass = options.unknownMass ?? 1e-3;
    if (!Number.isInteger(iterations) || iterations < 0) throw new RangeError(`IbmModel1.train: iterations must be a non-negative integer, got ${iterations}`);
    if (!(unknownMass > 0 && unknownMass < 1)) throw new RangeError(`IbmModel1.train: unknownMass must be in (0, 1), got ${unknownMass}`);
    const vocabulary = [...new Set(pairs.flatMap((p) => p.target))].sort();
    const words = pairs.reduce((n, p) => n + p.target.length, 0);
    const uniform = 1 / Math.max(1, vocabulary.length);
    let table: Table | undefined;
    const t = (f: string, e: string): number => (table === undefined ? uniform : (table.get(e)?.get(f) ?? 0));
    const logLikelihoods: number[] = [];
    for (let k = 0; ; k++) {
      const { counts, ll } = expectation(pairs, t);
      logLikelihoods.push(ll);
      const improved = k === 0 || (ll - logLikelihoods[k - 1]!) / Math.max(1, words) >= tolerance;
      if (k === iterations || !improved) break;
      const next: Table = new Map();
      for (const [e, row] of counts) {
        let total = 0;
        for (const c of row.values()) total += c;
        next.set(e, new Map([...row].map(([f, c]) => [f, c / total])));
      }
      table = next;
    }
    if (table === undefined) {
      // No iteration: the uniform start, on the co-occurring pairs.
      table = new Map();
      for (const { source, target } of pairs)
        for (const e of [NULL_TOKEN, ...source]) {
          let row = table.get(e);
          if (row === undefined) table.set(e, (row = new Map()));
          for (const f of target) row.set(f, uniform);
        }
    }
    return { model: new IbmModel1(table, vocabulary, unknownMass), logLikelihoods };
  }

  /** The EM estimate t(target | source): 0 for a pair never seen together, undefined for an unknown source word. */
  rawProbability(target: string, source: string): number | undefined {
    const row = this.table.get(source);
    return row === undefined ? undefined : (row.get(target) ?? 0);
  }

  /**
   * t(target | source) smoothed for use on new text: (1 − u)·t + u/(V+1) for a known target word, u/(V+1)
   * for an unknown one (u = unknownMass, V = target vocabulary size); an unknown source word translates
   * uniformly over the known words.
   */
  probability(target: string, source: string): number {
    const v = this.targetVocabulary.length;
    const floor = this.unknownMass / (v + 1);
    if (!this.known.has(target)) return floor;
    const raw = this.rawProbability(target, source) ?? 1 / v;
    return (1 - this.unknownMass) * raw + floor;
  }

  /** log p(target | source) under Model 1 with the smoothed t (finite for any input). */
  logLikelihood(source: readonly string[], target: readonly string[]): number {
    const src = [NULL_TOKEN, ...source];
    let ll = 0;
    for (const f of target) {
      let z = 0;
      for (const e of src) z += this.probability(f, e);
      ll += Math.log(z / src.length);
    }
    return ll;
  }

  corpusLogLikelihood(pairs: readonly ParallelPair[]): number {
    return pairs.reduce((s, p) => s + this.logLikelihood(p.source, p.target), 0);
  }

  /** The most probable source position of each target word (Viterbi alignment): −1 is NULL, else an index into `source`. */
  align(source: readonly string[], target: readonly string[]): number[] {
    return target.map((f) => {
      let best = -1;
      let bestP = this.probability(f, NULL_TOKEN);
      source.forEach((e, i) => {
        const p = this.probability(f, e);
        if (p > bestP) {
          best = i;
          bestP = p;
        }
      });
      return best;
    });
  }

  /** The `k` likeliest translations of a source word, by t(target | source). */
  translations(source: string, k = 5): [string, number][] {
    const row = this.table.get(source);
    if (row === undefined) return [];
    return [...row].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
  }

  toJson(): Model1Json {
    const sources = [...this.table.keys()].sort();
    return {
      format: 'kt-ibm-model1',
      unknownMass: this.unknownMass,
      targetVocabulary: this.targetVocabulary,
      table: sources.map((e) => [e, [...this.table.get(e)!].sort((a, b) => (a[0] < b[0] ? -1 : 1))] as const),
    };
  }

  static fromJson(json: Model1Json): IbmModel1 {
    if (json.format !== 'kt-ibm-model1') throw new Error(`not an IBM Model 1 file (format ${String(json.format)})`);
    return new IbmModel1(new Map(json.table.map(([e, row]) => [e, new Map(row)])), [...json.targetVocabulary], json.unknownMass);
  }
}
