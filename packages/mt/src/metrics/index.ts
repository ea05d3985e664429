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
export { scoreFiles, type ScoreFilesOptions, type FileScores, type ScoreDetail } from './score-files';
