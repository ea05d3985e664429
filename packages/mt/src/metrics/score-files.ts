import { MtDataError } from '../data/mt-data-error';
import { readTextLines } from '../data/read-corpus';
import { corpusBleu, type BleuOptions, type BleuScore } from './bleu';
import { corpusChrf, type ChrfOptions, type ChrfScore } from './chrf';
import { formatScore } from './format-score';

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
  /** `BLEU: <signature> chrF2: <signature>` */
  signature: string;
  detail: ScoreDetail;
  bleuScore: BleuScore;
  chrfScore: ChrfScore;
  /** sacreBLEU-style text lines (`BLEU = ...`, `chrF2 = ...`). */
  lines: string[];
}

/** Scores a hypothesis file against reference files with BLEU and chrF (the engine of `kt mt score`). */
export async function scoreFiles(options: ScoreFilesOptions): Promise<FileScores> {
  if (options.refs.length === 0) throw new MtDataError('scoreFiles: give at least one reference file');
  // As sacreBLEU reads them: strict UTF-8, a leading byte order mark kept as part of the first segment.
  const hyps = await readTextLines(options.hyp, { keepBom: true });
  const refs = await Promise.all(options.refs.map((r) => readTextLines(r, { keepBom: true })));
  refs.forEach((lines, k) => {
    if (lines.length !== hyps.length) {
      throw new MtDataError(
        `line counts differ: hypothesis ${options.hyp} has ${hyps.length} lines, reference ${options.refs[k]} has ${lines.length} lines`,
      );
    }
  });
  if (hyps.length === 0) throw new MtDataError(`empty hypothesis file ${options.hyp}`);
  const bleuScore = corpusBleu(hyps, refs, options.bleu);
  const chrfScore = corpusChrf(hyps, refs, options.chrf);
  const chrfName = `chrF${chrfScore.beta}${'+'.repeat(chrfScore.wordOrder)}`;
  return {
    bleu: bleuScore.score,
    chrf: chrfScore.score,
    signature: `BLEU: ${bleuScore.signature} ${chrfName}: ${chrfScore.signature}`,
    detail: {
      precisions: bleuScore.precisions,
      bp: bleuScore.bp,
      ratio: bleuScore.ratio,
      hypLen: bleuScore.sysLen,
      refLen: bleuScore.refLen,
    },
    bleuScore,
    chrfScore,
    lines: [formatScore(bleuScore), formatScore(chrfScore)],
  };
}
