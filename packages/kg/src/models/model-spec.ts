import { z } from 'zod';

/** Embedding models, a discriminated union on `kind` (every object strict). */
export const ModelSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('transe'),
    dim: z.int().positive().default(100),
    /** L1 or L2 distance. */
    norm: z.union([z.literal(1), z.literal(2)]).default(1),
    /** γ of score = γ − ‖h + r − t‖ (the margin of self-adversarial sampling). */
    gamma: z.number().nonnegative().default(12),
    /** Half-width of the uniform initialisation; default (γ + 2) / dim. */
    init: z.number().positive().optional(),
  }),
  z.strictObject({
    kind: z.literal('rotate'),
    /** Complex dimension k (entity rows hold 2k reals). */
    dim: z.int().positive().default(100),
    gamma: z.number().nonnegative().default(6),
    init: z.number().positive().optional(),
  }),
  z.strictObject({
    kind: z.literal('distmult'),
    dim: z.int().positive().default(100),
    init: z.number().positive().optional(),
  }),
  z.strictObject({
    kind: z.literal('complex'),
    /** Complex dimension k (rows hold 2k reals). */
    dim: z.int().positive().default(100),
    init: z.number().positive().optional(),
  }),
]);
export type ModelSpec = z.infer<typeof ModelSpecSchema>;
export type ModelSpecInput = z.input<typeof ModelSpecSchema>;
export type ModelKind = ModelSpec['kind'];
