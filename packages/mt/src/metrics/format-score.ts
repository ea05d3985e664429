import type { BleuScore } from './bleu';
import type { ChrfScore } from './chrf';
import { formatFixed } from './python-text';

export interface FormatScoreOptions {
  /** Put the signature after the metric name, sacreBLEU-style (`BLEU|nrefs:2|... = ...`); default false. */
  signature?: boolean;
  /** Decimals of the score; default 2. */
  width?: number;
  /** With `signature`: append `|version:<v>` as sacreBLEU's signatures end. */
  version?: string;
}

/**
 * One line like sacreBLEU's text output:
 * `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)` or `chrF2 = 59.73`.
 */
export function formatScore(score: BleuScore | ChrfScore, options: FormatScoreOptions = {}): string {
  const width = options.width ?? 2;
  const name = score.kind === 'bleu' ? 'BLEU' : `chrF${score.beta}${'+'.repeat(score.wordOrder)}`;
  const head = options.signature ? `${name}|${score.signature}${options.version ? `|version:${options.version}` : ''}` : name;
  const value = formatFixed(score.score, width);
  if (score.kind === 'chrf') return `${head} = ${value}`;
  const precisions = score.precisions.map((p) => formatFixed(p, 1)).join('/');
  return (
    `${head} = ${value} ${precisions} (BP = ${formatFixed(score.bp, 3)} ratio = ${formatFixed(score.ratio, 3)} ` +
    `hyp_len = ${score.sysLen} ref_len = ${score.refLen})`
  );
}
