import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { configHash, ConfigError, writeJsonAtomic, type Logger } from '@kt/core';
import type { MtConfig, MtDataConfig, ParallelSplitConfig, TokenizerConfig } from '../config-schema';
import {
  filterByLength,
  loadMulti30k,
  readParallelFiles,
  readTsvPairs,
  syntheticPairs,
  type SentencePair,
} from '../data';
import { BpeTokenizer, trainBpeForPairs } from '../tokenizer';

/** Sinusoid positions of every mt transformer: the longest source or target a model accepts. */
export const MODEL_POSITIONS = 256;

/** Raw sentence pairs of the three splits. */
export interface MtCorpus {
  train: SentencePair[];
  val: SentencePair[];
  test: SentencePair[];
}

/** One encoded split: subword ids (no BOS/EOS) plus the raw text for scoring. */
export interface EncodedSplit {
  src: number[][];
  tgt: number[][];
  /** Raw target sentences (references for BLEU/chrF). */
  refs: string[];
  /** Raw source sentences. */
  sources: string[];
}

/** Everything the tasks share: the tokenizer and the encoded splits (train length-filtered). */
export interface MtData {
  tokenizer: BpeTokenizer;
  train: EncodedSplit;
  val: EncodedSplit;
  test: EncodedSplit;
  /**
   * Hash of the data's content — the tokenizer and every encoded split — not of where it was read from:
   * keys the teacher and seq-kd caches, so the same corpus under another path still hits them.
   */
  contentHash: string;
  /** The extra named test sets of `data.evalSets` (not part of `contentHash`: they do not change training). */
  evalSets: Record<string, EncodedSplit>;
}

/** The data config without its extra test sets: what the tokenizer, the teacher and training depend on. */
export function trainingDataConfig(data: MtDataConfig): MtDataConfig {
  return { ...data, evalSets: {} };
}

async function readSplit(split: ParallelSplitConfig): Promise<SentencePair[]> {
  return 'tsv' in split ? readTsvPairs(path.resolve(split.tsv)) : readParallelFiles(path.resolve(split.src), path.resolve(split.tgt));
}

/** The file(s) of a split, for messages. */
function describeSplit(split: ParallelSplitConfig): string {
  return 'tsv' in split ? split.tsv : `${split.src} + ${split.tgt}`;
}

/** Reads the raw sentence pairs a data config names. Missing or malformed files are ConfigErrors. */
export async function loadMtCorpus(data: MtDataConfig): Promise<MtCorpus> {
  switch (data.source) {
    case 'synthetic':
      return {
        train: syntheticPairs({ n: data.n, seed: data.seed }),
        val: syntheticPairs({ n: data.evalN, seed: data.seed + 1_000_003 }),
        test: syntheticPairs({ n: data.evalN, seed: data.seed + 2_000_006 }),
      };
    case 'multi30k': {
      const root = path.resolve(data.root);
      if (!fs.existsSync(root)) {
        throw new ConfigError(`data.root: Multi30k folder ${root} does not exist (set data.root to the folder holding train.de.gz …)`);
      }
      if (data.src === data.tgt) throw new ConfigError(`data: source and target language are both "${data.src}"`);
      const [train, val, test] = await Promise.all([
        loadMulti30k(root, 'train', data.src, data.tgt),
        loadMulti30k(root, 'val', data.src, data.tgt),
        loadMulti30k(root, 'test_2016_flickr', data.src, data.tgt),
      ]);
      return { train: data.trainLimit !== undefined ? train.slice(0, data.trainLimit) : train, val, test };
    }
    case 'files': {
      const [train, val, test] = await Promise.all([readSplit(data.train), readSplit(data.val), readSplit(data.test)]);
      return { train, val, test };
    }
  }
}

/** Trains the joint BPE model on the training pairs, or loads it from the cache of an identical config. */
export function obtainTokenizer(
  train: readonly SentencePair[],
  data: MtDataConfig,
  config: TokenizerConfig,
  cacheDir: string,
  log: Logger,
): BpeTokenizer {
  const key = configHash({ data: trainingDataConfig(data), tokenizer: config });
  const file = path.join(cacheDir, 'mt-tokenizers', key, 'tokenizer.json');
  if (fs.existsSync(file)) {
    try {
      const tokenizer = BpeTokenizer.fromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
      log.info(`tokenizer: loaded from cache ${file} (${tokenizer.vocabSize} symbols, ${tokenizer.fingerprint()})`);
      return tokenizer;
    } catch (err) {
      log.warn(`tokenizer cache ${file} is unreadable (${(err as Error).message}); training again`);
    }
  }
  const t0 = Date.now();
  const { src } = trainBpeForPairs(train, {
    joint: config.joint,
    vocabSize: config.vocabSize,
    minFrequency: config.minFrequency,
    lowercase: config.lowercase,
  });
  writeJsonAtomic(file, src.toJSON());
  log.info(
    `tokenizer: trained ${src.vocabSize} symbols (${src.numMerges} merges) in ${((Date.now() - t0) / 1000).toFixed(1)} s, fingerprint ${src.fingerprint()}`,
  );
  return src;
}

function encodeSplit(pairs: readonly SentencePair[], tokenizer: BpeTokenizer, limit = MODEL_POSITIONS - 1): EncodedSplit {
  return {
    src: pairs.map((p) => tokenizer.encode(p.src).slice(0, limit)),
    tgt: pairs.map((p) => tokenizer.encode(p.tgt).slice(0, limit)),
    refs: pairs.map((p) => p.tgt),
    sources: pairs.map((p) => p.src),
  };
}

/**
 * Loads the corpus, obtains the tokenizer, encodes every split and drops the training pairs longer than
 * `data.maxLen` subwords (logged). An empty training set after filtering is a ConfigError.
 */
export async function prepareMtData(config: MtConfig, cacheDir: string, log: Logger): Promise<MtData> {
  const corpus = await loadMtCorpus(config.data);
  const emptySplit = (['train', 'val', 'test'] as const).find((s) => corpus[s].length === 0);
  if (emptySplit) throw new ConfigError(`data: the ${emptySplit} split has no sentence pairs`);
  const tokenizer = obtainTokenizer(corpus.train, config.data, config.tokenizer, cacheDir, log);
  const { kept, dropped } = filterByLength(corpus.train, {
    maxLen: config.data.maxLen,
    tokenCount: (s) => tokenizer.encode(s).length,
  });
  log.info(
    `data: ${kept.length} training pairs (${dropped} dropped: longer than ${config.data.maxLen} subwords or empty), ` +
      `${corpus.val.length} val, ${corpus.test.length} test`,
  );
  if (kept.length === 0) throw new ConfigError(`data.maxLen: every training pair is longer than ${config.data.maxLen} subwords`);
  const train = encodeSplit(kept, tokenizer);
  const val = encodeSplit(corpus.val, tokenizer);
  const test = encodeSplit(corpus.test, tokenizer);
  const evalSets: Record<string, EncodedSplit> = {};
  for (const [name, split] of Object.entries(config.data.evalSets)) {
    const pairs = await readSplit(split);
    if (pairs.length === 0) throw new ConfigError(`data.evalSets.${name}: ${describeSplit(split)} has no sentence pairs`);
    evalSets[name] = encodeSplit(pairs, tokenizer);
  }
  if (Object.keys(evalSets).length > 0) {
    log.info(`data: extra test sets ${Object.entries(evalSets).map(([n, s]) => `${n} (${s.src.length})`).join(', ')}`);
  }
  return { tokenizer, train, val, test, contentHash: contentHash(tokenizer, [train, val, test]), evalSets };
}

/** sha256 over the tokenizer's fingerprint and each split's ids and raw text. */
function contentHash(tokenizer: BpeTokenizer, splits: readonly EncodedSplit[]): string {
  const hash = crypto.createHash('sha256').update(tokenizer.fingerprint());
  for (const split of splits) {
    hash.update(`|${split.src.length}`);
    for (const key of ['src', 'tgt'] as const) for (const ids of split[key]) hash.update(Int32Array.from(ids)).update('\n');
    for (const key of ['refs', 'sources'] as const) for (const line of split[key]) hash.update(line).update('\n');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The first `limit` sentences of a split (all when undefined). */
export function limitSplit(split: EncodedSplit, limit: number | undefined): EncodedSplit {
  if (limit === undefined || limit >= split.src.length) return split;
  return { src: split.src.slice(0, limit), tgt: split.tgt.slice(0, limit), refs: split.refs.slice(0, limit), sources: split.sources.slice(0, limit) };
}
