import vectors from './fixtures/sacrebleu-significance-vectors.json';
import {
  BLEU_TOKENIZERS,
  bleuStatsMetric,
  chrfStatsMetric,
  corpusBleu,
  corpusChrf,
  formatScore,
  pairedApproximateRandomization,
  pairedBootstrap,
  SACREBLEU_VERSION,
  type BleuOptions,
  type StatsMetric,
} from '../../src/metrics';

interface PairedCase {
  name: string;
  a: string[];
  b: string[];
  refs: string[][];
  test: 'bs' | 'ar';
  n: number;
  seed: number;
  bleu_kw: { tokenize?: BleuOptions['tokenize']; lowercase?: boolean };
  chrf_kw: { word_order?: number };
  results: Record<string, { baseline: Record<string, number | null>; system: Record<string, number | null>; signature: string }>;
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe(`sacreBLEU ${vectors.sacrebleu_version} tokenizers, signatures and paired tests (fixtures/make-significance-vectors.py)`, () => {
  it('the fixtures are of the sacreBLEU version the signatures name', () => {
    expect(vectors.sacrebleu_version).toBe(SACREBLEU_VERSION);
  });

  it.each(vectors.tokenizers.map((t, i) => [i, t] as const))('tokenizers intl, zh, char: line %i', (_i, t) => {
    expect(BLEU_TOKENIZERS.intl(t.line)).toBe(t.intl);
    expect(BLEU_TOKENIZERS.zh(t.line)).toBe(t.zh);
    expect(BLEU_TOKENIZERS.char(t.line)).toBe(t.char);
  });

  it('BLEU with every tokenizer, with and without -lc, and chrF / chrF++: scores and full signatures', () => {
    expect(vectors.scores.length).toBeGreaterThan(30);
    for (const c of vectors.scores) {
      if (c.metric === 'bleu') {
        const kw = c.kw as { tokenize: BleuOptions['tokenize']; lowercase: boolean };
        const s = corpusBleu(c.hyps, c.refs, { tokenize: kw.tokenize, lowercase: kw.lowercase });
        expect([kw, close(s.score, c.score)]).toEqual([kw, true]);
        expect(`${s.signature}|version:${SACREBLEU_VERSION}`).toBe(c.signature);
      } else {
        const s = corpusChrf(c.hyps, c.refs, { wordOrder: (c.kw as { word_order: number }).word_order });
        expect(close(s.score, c.score)).toBe(true);
        expect(formatScore(s)).toBe((c as { text: string }).text);
        expect(`${s.signature}|version:${SACREBLEU_VERSION}`).toBe(c.signature);
      }
    }
  });

  it.each((vectors.paired as unknown as PairedCase[]).map((c) => [c.name, c] as const))('paired test %s', (_name, c) => {
    const metrics: StatsMetric[] = [
      bleuStatsMetric({ tokenize: c.bleu_kw.tokenize, lowercase: c.bleu_kw.lowercase }),
      chrfStatsMetric({ wordOrder: c.chrf_kw.word_order }),
    ];
    for (const metric of metrics) {
      const expected = c.results[metric.name]!;
      const base = metric.segmentStats(c.a, c.refs);
      const sys = metric.segmentStats(c.b, c.refs);
      const test = c.test === 'bs' ? pairedBootstrap : pairedApproximateRandomization;
      const r = test(metric, base, sys, { samples: c.n, seed: c.seed });
      expect(close(r.baseline.score, expected.baseline['score']!)).toBe(true);
      expect(close(r.system.score, expected.system['score']!)).toBe(true);
      expect([metric.name, r.system.pValue]).toEqual([metric.name, expected.system['p_value']]);
      if (c.test === 'bs') {
        // chrF's bootstrap is float32 arithmetic: bit-equal. BLEU's goes through log/exp, where V8's Math.log/exp
        // and glibc's may differ in the last bit, so a resampled BLEU may too: means and CIs agree to 1e-12.
        const same = (x: number | undefined, y: number | null | undefined): boolean =>
          metric.float32Scores ? x === y : Math.abs(x! - y!) <= 1e-12 * Math.max(1, Math.abs(y!));
        expect([metric.name, same(r.baseline.mean, expected.baseline['mean']), same(r.baseline.ci, expected.baseline['ci'])]).toEqual([metric.name, true, true]);
        expect([metric.name, same(r.system.mean, expected.system['mean']), same(r.system.ci, expected.system['ci'])]).toEqual([metric.name, true, true]);
      }
      const [nrefs, ...rest] = (metric.name === 'BLEU' ? corpusBleu(c.a, c.refs, { tokenize: c.bleu_kw.tokenize, lowercase: c.bleu_kw.lowercase }) : corpusChrf(c.a, c.refs, { wordOrder: c.chrf_kw.word_order })).signature.split('|');
      expect([nrefs, r.signatureFields, ...rest, `version:${SACREBLEU_VERSION}`].join('|')).toBe(expected.signature);
    }
  });
});
