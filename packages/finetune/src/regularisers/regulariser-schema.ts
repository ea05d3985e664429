import { z } from 'zod';

/** Names of feature-map layers (`conv1`, `conv2`, …); which exist depends on `model.channels` (checked by the task). */
const LayersSchema = z.array(z.string().min(1)).min(1).optional();
const weight = (value: number): z.ZodDefault<z.ZodNumber> => z.number().nonnegative().default(value);

/** Plain fine-tuning: no penalty. */
export const NoneRegulariserSchema = z.strictObject({ name: z.literal('none'), weight: weight(0) });

/** L2 toward zero over every weight: weight · ½‖w‖². */
export const L2RegulariserSchema = z.strictObject({ name: z.literal('l2'), weight: weight(1e-4) });

/** L2-SP (Li et al., 2018): weight · [(α/2)‖w_S − w⁰_S‖² + (β/2)‖w_head‖²]. */
export const L2SpRegulariserSchema = z.strictObject({
  name: z.literal('l2-sp'),
  weight: weight(1),
  alpha: z.number().nonnegative().default(0.01),
  beta: z.number().nonnegative().default(0.01),
});

/** Attention transfer (Zagoruyko & Komodakis, 2017) toward the starting point's maps: weight · Σ_j mean((Q_j − Q⁰_j)²). */
export const AtRegulariserSchema = z.strictObject({
  name: z.literal('at'),
  weight: weight(100),
  /** Feature-map layers (default: every conv layer). */
  layers: LayersSchema,
});

/** DELTA (Li et al., 2019): channel-weighted feature-map distance to the starting point. */
export const DeltaRegulariserSchema = z.strictObject({
  name: z.literal('delta'),
  weight: weight(0.01),
  layers: LayersSchema,
  /** Labelled target examples (at most) on which the channel weights are measured, once. */
  sampleSize: z.int().positive().default(256),
  /** Softmax temperature over the z-scored loss increases (thuml's implementation: 5). */
  temperature: z.number().positive().default(5),
});

/** BSS (Chen et al., 2019): weight · Σ_{i=1..k} σ²_{−i}(F), F the batch's `fc` features. */
export const BssRegulariserSchema = z.strictObject({
  name: z.literal('bss'),
  weight: weight(0.001),
  k: z.int().positive().default(1),
});

/** TRED (Li et al., 2020): disentangle the target-relevant part of the source features, then regularise toward it. */
export const TredRegulariserSchema = z.strictObject({
  name: z.literal('tred'),
  weight: weight(0.01),
  /** Disentangling stage: weight of −MMD²(relevant, irrelevant) (Max-MMD). */
  mmd: z.number().nonnegative().default(1),
  /** Disentangling stage: weight of the Min-MI term (0: off). */
  mi: z.number().nonnegative().default(0),
  /** Disentangling stage: weights of the reconstruction and target-classification terms. */
  reconstruction: z.number().nonnegative().default(1),
  classification: z.number().nonnegative().default(1),
  /** Optimizer steps (Adam, full labelled set per step) of the disentangling stage. */
  steps: z.int().positive().default(200),
  lr: z.number().positive().default(0.01),
});

/**
 * The starting point as a teacher: KD from the pre-trained model's logits through a head fitted on the target labels
 * (core's divergence from `transfer`: forward, backward, …), or from its `fc` features (½‖f − f⁰‖²).
 */
export const KdRegulariserSchema = z.strictObject({
  name: z.literal('kd'),
  weight: weight(1),
  from: z.enum(['logits', 'features']).default('logits'),
});

/** One regulariser entry of `regularisers:`, selected by `name`. */
export const RegulariserSchema = z.discriminatedUnion('name', [
  NoneRegulariserSchema,
  L2RegulariserSchema,
  L2SpRegulariserSchema,
  AtRegulariserSchema,
  DeltaRegulariserSchema,
  BssRegulariserSchema,
  TredRegulariserSchema,
  KdRegulariserSchema,
]);
export type RegulariserConfig = z.infer<typeof RegulariserSchema>;
export type RegulariserName = RegulariserConfig['name'];
/** The config of the regulariser named `N`. */
export type RegulariserConfigOf<N extends RegulariserName> = Extract<RegulariserConfig, { name: N }>;
