import { defineExperimentSchema, TrainSchema } from '@kt/core';
import { z } from 'zod';

/** The tasks of the mt plugin (see `tasks/mt-tasks.ts`). */
export const MT_TASKS = ['train', 'word-kd', 'seq-kd', 'reinforce'] as const;
export type MtTaskName = (typeof MT_TASKS)[number];

/** A parallel corpus split given as two line-aligned files, or as one `source<TAB>target` file. */
export const ParallelSplitSchema = z.union([
  z.strictObject({
    /** Source-language file, one sentence a line (plain or gzip). */
    src: z.string().min(1),
    /** Target-language file with exactly as many lines as `src`. */
    tgt: z.string().min(1),
  }),
  z.strictObject({
    /** One `source<TAB>target` pair a line (plain or gzip); empty lines are skipped. */
    tsv: z.string().min(1),
  }),
]);
export type ParallelSplitConfig = z.infer<typeof ParallelSplitSchema>;

/** Fields every data source shares: the training-length filter and the size of the BLEU evaluation. */
const commonDataShape = {
  /**
   * Training pairs whose source or target is longer than this many subword tokens (after BPE) are dropped
   * (the number dropped is logged). Validation and test sentences are never dropped (sources are truncated
   * to the model's positions).
   */
  maxLen: z.int().min(2).max(250).default(50),
  /** Translate and score only the first N sentences of val/test (BLEU, chrF, NLL); default all. */
  evalLimit: z.int().positive().optional(),
  /**
   * Extra named test sets, each scored at the end of the run like the test split (BLEU, chrF, NLL) into
   * `summary.json` as `test_<name>_bleu`, `test_<name>_chrf`, `test_<name>_nll`, its translations written to
   * `artifacts/test_<name>.hyp.txt`. Each is two aligned files or one TSV (plain or gzip, strict UTF-8).
   */
  evalSets: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'name an eval set with letters, digits, "_" or "-"'), ParallelSplitSchema).default({}),
};

const SyntheticDataSchema = z.strictObject({
  /** The built-in synthetic pair: an English-like SVO source and an invented SOV target with agreement. */
  source: z.literal('synthetic'),
  /** Number of training pairs. */
  n: z.int().positive().default(2000),
  /** Number of validation and of test pairs (each drawn with its own seed derived from `seed`). */
  evalN: z.int().positive().default(200),
  /** Sampling seed of the sentences (the lexicon is fixed). */
  seed: z.int().nonnegative().default(0),
  ...commonDataShape,
});

const Multi30kDataSchema = z.strictObject({
  /** Multi30k task 1 (train 29,000 / val 1,014 / test_2016_flickr 1,000 pairs). */
  source: z.literal('multi30k'),
  /** Folder holding `<split>.<lang>.gz`; relative paths resolve against the working directory. */
  root: z.string().min(1).default('../shared/data/multi30k'),
  /** Source language. */
  src: z.enum(['de', 'en']).default('de'),
  /** Target language. */
  tgt: z.enum(['de', 'en']).default('en'),
  /** Use only the first N training pairs (before the length filter). */
  trainLimit: z.int().positive().optional(),
  ...commonDataShape,
});

const FilesDataSchema = z.strictObject({
  /** Your own corpus: a train, a val and a test split, each two aligned files or one TSV file. */
  source: z.literal('files'),
  train: ParallelSplitSchema,
  val: ParallelSplitSchema,
  test: ParallelSplitSchema,
  ...commonDataShape,
});

export const MtDataSchema = z.discriminatedUnion('source', [SyntheticDataSchema, Multi30kDataSchema, FilesDataSchema]);
export type MtDataConfig = z.infer<typeof MtDataSchema>;

export const TokenizerSchema = z.strictObject({
  /** Target vocabulary size of the BPE model, including the 4 special tokens and the character alphabet. */
  vocabSize: z.int().min(16).max(64000).default(8000),
  /**
   * One BPE model learnt on source and target text together. Required: the transformer shares one
   * embedding matrix between encoder input, decoder input and output projection, so source and target
   * ids must index the same vocabulary (and a teacher and a learner must share it too, for the
   * token-level divergences to compare the same outcomes).
   */
  joint: z.literal(true).default(true),
  /** A pair of symbols must occur at least this often to be merged. */
  minFrequency: z.int().positive().default(2),
  /** Lower-case all text before training and encoding. */
  lowercase: z.boolean().default(false),
});
export type TokenizerConfig = z.infer<typeof TokenizerSchema>;

/** Transformer sizes (the vocabulary size comes from the tokenizer). */
export const ModelSizesSchema = z
  .strictObject({
    /** Width of embeddings and hidden states. */
    dModel: z.int().positive().default(128),
    /** Attention heads (must divide dModel). */
    heads: z.int().positive().default(4),
    /** Hidden width of the feed-forward blocks. */
    ffDim: z.int().positive().default(512),
    encoderLayers: z.int().min(0).default(2),
    decoderLayers: z.int().min(1).default(2),
    /** Dropout on embeddings and residual branches while training. */
    dropout: z.number().min(0).max(0.9).default(0.1),
    activation: z.enum(['relu', 'gelu']).default('relu'),
    /** Label smoothing ε of the reference NLL (the `train` task and the α-weighted task loss of KD). */
    labelSmoothing: z.number().min(0).max(1).default(0.1),
  })
  .refine((m) => m.dModel % m.heads === 0, { message: 'dModel must be divisible by heads', path: ['heads'] });
export type ModelSizes = z.infer<typeof ModelSizesSchema>;

/**
 * How training sentences are grouped: length-bucketed batches of at most `train.batchSize` sentences
 * (`teacher.train.batchSize` for the teacher) and, when set, at most `maxTokens` padded target-side tokens.
 */
export const BatchingSchema = z.strictObject({
  /** Token budget of a batch: sentences × longest length (source or target) ≤ maxTokens. */
  maxTokens: z.int().positive().optional(),
});
export type BatchingConfig = z.infer<typeof BatchingSchema>;

const TeacherSchema = z.strictObject({
  /** Teacher transformer sizes. */
  model: ModelSizesSchema.default(() => ModelSizesSchema.parse({ dModel: 256, ffDim: 1024, encoderLayers: 3, decoderLayers: 3 })),
  /** Teacher training (own steps, lr, batch size, schedule); `seed` is replaced by `teacher.seed`. */
  train: TrainSchema.default(() => TrainSchema.parse({ epochs: 10 })),
  /** Batching of the teacher's training. */
  batching: BatchingSchema.default({}),
  /**
   * Use a saved teacher instead of training one: a kt run directory of task `train` (its latest
   * checkpoint, `artifacts/model.json`, `artifacts/tokenizer.json`) or a teacher cache directory.
   * Its tokenizer must equal the one of this config's data (fingerprints are compared).
   */
  checkpoint: z.string().min(1).optional(),
  /** Seed of the teacher's initialisation, data order and dropout (kept fixed across learner seeds). */
  seed: z.int().nonnegative().default(0),
});
export type TeacherConfig = z.infer<typeof TeacherSchema>;

/** Largest beam (decode, translate, seq-kd): the search holds batch × beam hypotheses and their caches. */
export const MAX_BEAM = 64;
/** Most sentences decoded together. */
export const MAX_DECODE_BATCH = 4096;

export const KdSchema = z.strictObject({
  /** Beam size of the teacher translations that seq-kd trains on (Kim & Rush); 1 = greedy. */
  seqBeam: z.int().positive().max(MAX_BEAM).default(4),
  /** GNMT length penalty α of that beam search. */
  seqLengthPenalty: z.number().min(0).default(0.6),
  /** Softmax temperature of learner sampling (on-policy word-kd, reinforce). */
  sampleTemperature: z.number().positive().default(1),
  /** Sample among the k most probable tokens only; 0 = the whole vocabulary. */
  sampleTopK: z.int().nonnegative().default(0),
  /** Longest sampled (and teacher-generated) target, in tokens including EOS. */
  maxSampleLen: z.int().positive().max(250).default(60),
  /** REINFORCE baseline: leave-one-out batch mean of the rewards, or none. */
  reinforceBaseline: z.enum(['batch-mean', 'none']).default('batch-mean'),
  /** Credit each token with its reward-to-go instead of the whole-sequence reward (lower variance). */
  reinforcePerToken: z.boolean().default(true),
});
export type KdConfig = z.infer<typeof KdSchema>;

export const DecodeSchema = z.strictObject({
  /** Beam size for evaluation and translation; 1 = greedy. */
  beam: z.int().positive().max(MAX_BEAM).default(1),
  /** GNMT length penalty α (beam > 1 only). */
  lengthPenalty: z.number().min(0).default(0.6),
  /** Longest output in tokens including EOS; per batch also at most 2 × longest source + 10. */
  maxLen: z.int().positive().max(250).default(100),
  /** Sentences decoded together. */
  batchSize: z.int().positive().max(MAX_DECODE_BATCH).default(64),
});
export type DecodeConfig = z.infer<typeof DecodeSchema>;

export const ValidationSchema = z.strictObject({
  /** Score only the first N val sentences (default: `data.evalLimit`, else all). */
  limit: z.int().positive().optional(),
  /** Beam of validation decoding; default 1 (greedy). */
  beam: z.int().positive().max(MAX_BEAM).default(1),
});
export type ValidationConfig = z.infer<typeof ValidationSchema>;

export const MtConfigSchema = defineExperimentSchema('mt', MT_TASKS, {
  /** Where the sentence pairs come from. */
  data: MtDataSchema.default(() => MtDataSchema.parse({ source: 'synthetic' })),
  /** The joint BPE subword vocabulary (trained once per data config and cached). */
  tokenizer: TokenizerSchema.default(() => TokenizerSchema.parse({})),
  /** The teacher: trained first (cached) or loaded from `checkpoint`; unused by task `train`. */
  teacher: TeacherSchema.default(() => TeacherSchema.parse({})),
  /** The learner's transformer sizes (it trains with the top-level `train` settings and seed). */
  learner: z
    .strictObject({
      model: ModelSizesSchema.default(() => ModelSizesSchema.parse({})),
      /**
       * Start from another mt run's weights instead of a random initialisation: a run directory (its best
       * checkpoint when it kept one, else its latest) or one of its checkpoint directories. Its architecture
       * must equal `learner.model` and its tokenizer this config's (fingerprints compared), else exit 2.
       */
      init: z.string().min(1).optional(),
    })
    .default(() => ({ model: ModelSizesSchema.parse({}) })),
  /**
   * Validation scoring at `train.evalEvery` (what early stopping watches): cheap by default — the first
   * `limit` val sentences (a fixed subset), decoded with beam `beam` (1 = greedy) whatever `decode.beam` is.
   */
  validation: ValidationSchema.default(() => ValidationSchema.parse({})),
  /** Batching of the learner's training. */
  batching: BatchingSchema.default({}),
  /** Knobs of the sequence-level and on-policy estimators. */
  kd: KdSchema.default(() => KdSchema.parse({})),
  /** Decoding for evaluation (BLEU/chrF) and `kt mt translate`. */
  decode: DecodeSchema.default(() => DecodeSchema.parse({})),
});
export type MtConfig = z.infer<typeof MtConfigSchema>;
