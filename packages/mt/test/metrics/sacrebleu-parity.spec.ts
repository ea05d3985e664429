import vectors from './fixtures/sacrebleu-vectors.json';
import { corpusBleu, corpusChrf, formatScore, type BleuOptions, type ChrfOptions } from '../../src/metrics';

interface Case {
  name: string;
  hyps: string[];
  refs: string[][];
  bleu_kw: Record<string, unknown>;
  chrf_kw: Record<string, unknown>;
  bleu: { score: number; precisions: number[]; bp: number; sys_len: number; ref_len: number; counts: number[]; totals: number[]; text: string };
  chrf: { score: number; text: string };
}

function bleuOptions(kw: Record<string, unknown>): BleuOptions {
  return {
    lowercase: kw['lowercase'] as boolean | undefined,
    smoothMethod: kw['smooth_method'] as BleuOptions['smoothMethod'],
    effectiveOrder: kw['effective_order'] as boolean | undefined,
  };
}
function chrfOptions(kw: Record<string, unknown>): ChrfOptions {
  return {
    lowercase: kw['lowercase'] as boolean | undefined,
    wordOrder: kw['word_order'] as number | undefined,
    whitespace: kw['whitespace'] as boolean | undefined,
    epsSmoothing: kw['eps_smoothing'] as boolean | undefined,
  };
}
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe(`parity with sacreBLEU ${vectors.sacrebleu_version} (fixtures/make-sacrebleu-vectors.py)`, () => {
  const cases = vectors.cases as Case[];
  it('has the cases', () => expect(cases.length).toBeGreaterThan(20));

  it.each(cases.map((c) => [c.name, c] as const))('BLEU %s', (_name, c) => {
    const s = corpusBleu(c.hyps, c.refs, bleuOptions(c.bleu_kw));
    expect(close(s.score, c.bleu.score)).toBe(true);
    expect(s.sysLen).toBe(c.bleu.sys_len);
    expect(s.refLen).toBe(c.bleu.ref_len);
    expect(close(s.bp, c.bleu.bp)).toBe(true);
    s.precisions.forEach((p, i) => expect(close(p, c.bleu.precisions[i]!)).toBe(true));
    expect(s.counts).toEqual(c.bleu.counts);
    expect(s.totals).toEqual(c.bleu.totals);
    expect(formatScore(s)).toBe(c.bleu.text);
  });

  it.each(cases.map((c) => [c.name, c] as const))('chrF %s', (_name, c) => {
    const s = corpusChrf(c.hyps, c.refs, chrfOptions(c.chrf_kw));
    expect(close(s.score, c.chrf.score)).toBe(true);
    expect(formatScore(s)).toBe(c.chrf.text);
  });
});
