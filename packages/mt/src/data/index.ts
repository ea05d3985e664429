export { MtDataError } from './mt-data-error';
export { decodeUtf8Strict, invalidUtf8Offset } from './decode-utf8';
export {
  isGzip,
  readTextLines,
  readParallelFiles,
  readTsvPairs,
  splitTextLines,
  type ReadTextOptions,
  type SentencePair,
} from './read-corpus';
export {
  filterByLength,
  countWords,
  type LengthFilterOptions,
  type LengthFilterResult,
} from './filter-by-length';
export { makeLengthBatches, paddingFraction, type LengthBatchOptions } from './length-batches';
export {
  multi30kFiles,
  loadMulti30k,
  MULTI30K_SPLITS,
  MULTI30K_LANGUAGES,
  type Multi30kSplit,
  type Multi30kLanguage,
  type ParallelFilePaths,
} from './multi30k';
export {
  downloadCorpus,
  nodeHttpFetch,
  sha256File,
  type CorpusFile,
  type DownloadCorpusOptions,
  type DownloadedFile,
  type DownloadStatus,
  type FetchImpl,
  type HttpResponseLike,
} from './download-corpus';
export {
  syntheticPairs,
  syntheticLexicon,
  syntheticDictionary,
  type SyntheticPairsOptions,
  type SyntheticLexicon,
} from './synthetic-language';
