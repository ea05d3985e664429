import { MtDataError } from '../data/mt-data-error';
import { readTextLines } from '../data/read-corpus';
import { corpusBleu, type BleuOptions, type BleuScore } from './bleu';
import { corpusChrf, type ChrfOptions, type ChrfScore } from './chrf';
import { formatScore } from './format-score';
import { pairedApproximateRandomization, pairedBootstrap, sacrebleuSeed, type PairedResult } from './paired-tests';
import { bleuStatsMetric, chrfStatsMetric } from './stats-metrics';

/** The sacreBLEU release these metrics reproduce (the `version:` field of the signatures kt prints). */
export const SACREBLEU_VERSION = '2.6.0';

export interface ScoreFilesOptions {
  /** Hypothesis file (plain or gzip), one segment a line. */
  hyp: string;
  /** One or more reference files, line-aligned with the hypotheses. */
  refs: readonly string[];
  bleu?: BleuOptions;
  chrf?: ChrfOptions;
}

export interface ScoreDetail {
  /** BLEU n-gram precisions, percent. */
  precisions: number[];
  bp: number;
  ratio: number;
  hypLen: number;
  refLen: number;
}

export interface FileScores {
  /** Corpus BLEU, 0-100. */
  bleu: number;
  /** Corpus chrF, 0-100. */
  chrf: number;
  /** sacreBLEU's full signatures: `BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 chrF2|nrefs:1|…|version:2.6.0`. */
  signature: string;
  detail: ScoreDetail;
  bleuScore: BleuScore;
  chrfScore: ChrfScore;
  /** sacreBLEU's `--format text` lines (`BLEU|<signature> = ...`, `chrF2|<signature> = ...`). */
  lines: string[];
}

/** Scores a hypothesis file against reference files with BLEU and chrF (the engine of `kt mt score`). */
export async function scoreFiles(options: ScoreFilesOptions): Promise<FileScores> {
  const { hyps, refs } = await readScoringFiles(options.hyp, options.refs);
  return scoreLines(hyps, refs, options);
}

/**
 * Reads a hypothesis file and its references as sacreBLEU reads them: strict UTF-8, a leading byte order mark
 * kept as part of the first segment. Line counts that differ, or no lines, are MtDataErrors naming the files.
 */
export async function readScoringFiles(hyp: string, refFiles: readonly string[]): Promise<{ hyps: string[]; refs: string[][] }> {
  if (refFiles.length === 0) throw new MtDataError('scoreFiles: give at least one reference file');
  const hyps = await readTextLines(hyp, { keepBom: true });
  const refs = await Promise.all(refFiles.map((r) => readTextLines(r, { keepBom: true })));
  refs.forEach((lines, k) => {
    if (lines.length !== hyps.length) {
      throw new MtDataError(`line counts differ: hypothesis ${hyp} has ${hyps.length} lines, reference ${refFiles[k]} has ${lines.length} lines`);
    }
  });
  if (hyps.length === 0) throw new MtDataError(`empty hypothesis file ${hyp}`);
  return { hyps, refs };
}

/** BLEU and chrF of hypotheses against reference streams, with sacreBLEU's signatures and text lines. */
export function scoreLines(hyps: readonly string[], refs: readonly (readonly string[])[], options: Pick<ScoreFilesOptions, 'bleu' | 'chrf'> = {}): FileScores {
  const bleuScore = corpusBleu(hyps, refs, options.bleu);
  const chrfScore = corpusChrf(hyps, refs, options.chrf);
  const chrfName = `chrF${chrfScore.beta}${'+'.repeat(chrfScore.wordOrder)}`;
  return {
    bleu: bleuScore.score,
    chrf: chrfScore.score,
    signature: `BLEU|${bleuScore.signature}|version:${SACREBLEU_VERSION} ${chrfName}|${chrfScore.signature}|version:${SACREBLEU_VERSION}`,
    detail: {
      precisions: bleuScore.precisions,
      bp: bleuScore.bp,
      ratio: bleuScore.ratio,
      hypLen: bleuScore.sysLen,
      refLen: bleuScore.refLen,
    },
    bleuScore,
    chrfScore,
    lines: [formatScore(bleuScore, { signature: true, version: SACREBLEU_VERSION }), formatScore(chrfScore, { signature: true, version: SACREBLEU_VERSION })],
  };
}

export type PairedTestName = 'bs' | 'ar';

export interface PairedMetricResult {
  /** sacreBLEU's signature of the test, e.g. `nrefs:1|bs:1000|seed:12345|case:mixed|…|version:2.6.0`. */
  signature: string;
  baseline: PairedResult;
  system: PairedResult;
}

export interface PairedFileResults {
  test: PairedTestName;
  samples: number;
  seed: number;
  /** By metric name (`BLEU`, `chrF2`, `chrF2++`). */
  metrics: Record<string, PairedMetricResult>;
}

/**
 * sacreBLEU's `--paired-bs` / `--paired-ar` for two systems against the same references: BLEU and chrF of
 * both, the system's p-value against the baseline and (bootstrap) each system's mean ± 95 % CI.
 */
export function pairedTestLines(
  baseline: readonly string[],
  system: readonly string[],
  refs: readonly (readonly string[])[],
  options: Pick<ScoreFilesOptions, 'bleu' | 'chrf'> & { test: PairedTestName; samples?: number; seed?: number },
): PairedFileResults {
  if (baseline.length !== system.length) throw new MtDataError(`paired test: the systems have ${baseline.length} and ${system.length} lines`);
  const samples = options.samples ?? (options.test === 'bs' ? 1000 : 10000);
  const seed = options.seed ?? sacrebleuSeed();
  const run = options.test === 'bs' ? pairedBootstrap : pairedApproximateRandomization;
  const metrics: Record<string, PairedMetricResult> = {};
  const scored = scoreLines(baseline, refs, options);
  const signatures = [scored.bleuScore.signature, scored.chrfScore.signature];
  [bleuStatsMetric(options.bleu), chrfStatsMetric(options.chrf)].forEach((metric, m) => {
    const r = run(metric, metric.segmentStats(baseline, refs), metric.segmentStats(system, refs), { samples, seed });
    // Signature.format: nrefs, then bs/ar and seed, then the metric's own fields, version last.
    const [nrefs, ...rest] = signatures[m]!.split('|');
    metrics[metric.name] = { signature: [nrefs, r.signatureFields, ...rest, `version:${SACREBLEU_VERSION}`].join('|'), baseline: r.baseline, system: r.system };
  });
  return { test: options.test, samples, seed, metrics };
}
