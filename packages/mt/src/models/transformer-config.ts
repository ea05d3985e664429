import { z } from 'zod';

/**
 * Version of the transformer's math: part of every teacher's cache key, so a teacher trained by older
 * model code is retrained rather than reused. Bump it whenever a change alters the model's outputs.
 */
export const MT_MODEL_VERSION = 'mt-transformer/1';

/**
 * Hyper-parameters of the encoder–decoder {@link Transformer}.
 *
 * Source and target share one (joint) vocabulary and one embedding matrix, which is
 * also the (transposed) output projection. Pre-LN blocks, sinusoidal positions,
 * embeddings scaled by sqrt(dModel).
 */
export const TransformerConfigSchema = z
  .object({
    /** Size of the joint source/target vocabulary. */
    vocabSize: z.number().int().min(4),
    dModel: z.number().int().positive(),
    heads: z.number().int().positive(),
    ffDim: z.number().int().positive(),
    encoderLayers: z.number().int().min(0),
    decoderLayers: z.number().int().min(1),
    /** Residual/embedding dropout rate, applied only when training. */
    dropout: z.number().min(0).max(0.9).default(0.1),
    /** Longest source or target sequence (positions); sizes the sinusoid table. */
    maxLen: z.number().int().positive().default(128),
    /** Label-smoothing epsilon used by the loss helper when no explicit eps is given. */
    labelSmoothing: z.number().min(0).max(1).default(0.1),
    activation: z.enum(['relu', 'gelu']).default('relu'),
    padId: z.literal(0).default(0),
    bosId: z.number().int().nonnegative().default(1),
    eosId: z.number().int().nonnegative().default(2),
  })
  .refine((c) => c.dModel % c.heads === 0, { message: 'dModel must be divisible by heads', path: ['heads'] })
  .refine((c) => c.bosId < c.vocabSize && c.eosId < c.vocabSize, {
    message: 'bosId and eosId must be < vocabSize',
    path: ['bosId'],
  })
  .refine((c) => c.bosId !== c.eosId && c.bosId !== c.padId && c.eosId !== c.padId, {
    message: 'padId, bosId and eosId must be distinct',
    path: ['eosId'],
  });

/** Parsed (defaults applied) transformer configuration. */
export type TransformerConfig = z.infer<typeof TransformerConfigSchema>;
/** Transformer configuration as written by a user (defaults optional). */
export type TransformerConfigInput = z.input<typeof TransformerConfigSchema>;
