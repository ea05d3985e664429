export { tokenize13a } from './tokenize-13a';
export { formatFixed, pySplit, pyRstrip } from './python-text';
export {
  corpusBleu,
  computeBleu,
  type BleuOptions,
  type BleuScore,
  type BleuSmoothMethod,
  type BleuTokenizerName,
} from './bleu';
export { corpusChrf, computeChrf, type ChrfOptions, type ChrfScore } from './chrf';
export { formatScore, type FormatScoreOptions } from './format-score';
export {
  scoreFiles,
  scoreLines,
  readScoringFiles,
  pairedTestLines,
  SACREBLEU_VERSION,
  type ScoreFilesOptions,
  type FileScores,
  type ScoreDetail,
  type PairedTestName,
  type PairedMetricResult,
  type PairedFileResults,
} from './score-files';
export { bleuSegmentStats, bleuFromStats, bleuSignature, sumStats } from './bleu';
export { chrfSegmentStats, chrfFromStats, chrfSignature } from './chrf';
export { BLEU_TOKENIZERS, BLEU_TOKENIZER_NAMES } from './bleu-tokenizers';
export { tokenizeIntl } from './tokenize-intl';
export { tokenizeZh } from './tokenize-zh';
export { NumpyGenerator, Pcg64, seedSequenceState } from './numpy-random';
export {
  pairedBootstrap,
  pairedApproximateRandomization,
  estimateCi,
  numpySum,
  numpyMean,
  pValue,
  sacrebleuSeed,
  type StatsMetric,
  type PairedResult,
  type PairedTestOptions,
  type PairedTestResult,
} from './paired-tests';
export { bleuStatsMetric, chrfStatsMetric } from './stats-metrics';
