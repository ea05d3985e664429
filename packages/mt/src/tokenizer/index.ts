export {
  PAD_TOKEN,
  BOS_TOKEN,
  EOS_TOKEN,
  UNK_TOKEN,
  SPECIAL_TOKENS,
  PAD_ID,
  BOS_ID,
  EOS_ID,
  UNK_ID,
  END_OF_WORD,
} from './special-tokens';
export { preTokenize, type PreToken } from './pre-tokenize';
export {
  BpeTokenizer,
  BpeTokenizerJsonSchema,
  assertVocabularyMatches,
  type BpeTokenizerJson,
  type EncodeOptions,
  type DecodeOptions,
} from './bpe-tokenizer';
export { trainBpe, trainBpeForPairs, type BpeTrainOptions, type BpePairTokenizers } from './train-bpe';
