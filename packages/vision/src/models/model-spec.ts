import { z } from 'zod';
import { ClassifierModel } from './classifier-model';
import { createCnn } from './create-cnn';
import { createMlp } from './create-mlp';
import { createResNet } from './create-resnet';
import { createVgg } from './create-vgg';

const positiveInt = z.number().int().positive();

export const MlpSpecSchema = z.strictObject({
  kind: z.literal('mlp'),
  hidden: z.array(positiveInt).default([]),
  dropout: z.number().min(0).lt(1).default(0),
});

export const CnnSpecSchema = z.strictObject({
  kind: z.literal('cnn'),
  channels: z.array(positiveInt).min(1),
  dense: positiveInt,
});

export const ResNetSpecSchema = z.strictObject({
  kind: z.literal('resnet'),
  /** Channels per stage (each later stage halves the resolution). */
  widths: z.array(positiveInt).min(1).default([16, 32, 64]),
  blocksPerStage: positiveInt.default(1),
  bnMomentum: z.number().gt(0).lte(1).default(0.1),
});

export const VggSpecSchema = z.strictObject({
  kind: z.literal('vgg'),
  channels: z.array(positiveInt).min(1),
  convsPerBlock: positiveInt.default(2),
  batchNorm: z.boolean().default(true),
  /** Hidden dense width after flattening (0: none). */
  dense: z.int().nonnegative().default(0),
  bnMomentum: z.number().gt(0).lte(1).default(0.1),
});

/**
 * A model as configuration: `{ kind: 'mlp', hidden: [256, 256], dropout: 0.1 }`, `{ kind: 'cnn', channels: [16, 32], dense: 64 }`,
 * `{ kind: 'resnet', widths: [16, 32, 64], blocksPerStage: 1 }` or `{ kind: 'vgg', channels: [16, 32] }` (the last two with BatchNorm).
 */
export const ModelSpecSchema = z.discriminatedUnion('kind', [MlpSpecSchema, CnnSpecSchema, ResNetSpecSchema, VggSpecSchema]);

/** A validated spec (defaults filled in). */
export type ModelSpec = z.output<typeof ModelSpecSchema>;
/** What a config may write (defaults optional). */
export type ModelSpecInput = z.input<typeof ModelSpecSchema>;

export interface BuildModelOptions {
  /** Per-example shape of the data, e.g. [28, 28, 1]; an MLP flattens it, a CNN needs [h, w, c]. */
  inputShape: readonly number[];
  numClasses: number;
  seed: number;
  name?: string;
}

/** Validates `spec` with ModelSpecSchema (throws a ZodError) and builds the model. */
export function buildModel(spec: ModelSpecInput, options: BuildModelOptions): ClassifierModel {
  const parsed = ModelSpecSchema.parse(spec);
  const { inputShape, numClasses, seed, name } = options;
  switch (parsed.kind) {
    case 'mlp':
      return createMlp({
        inputSize: inputShape.reduce((a, b) => a * b, 1),
        hidden: parsed.hidden,
        dropout: parsed.dropout,
        numClasses,
        seed,
        name,
      });
    case 'cnn':
      return createCnn({ inputShape: [...inputShape], channels: parsed.channels, dense: parsed.dense, numClasses, seed, name });
    case 'resnet':
      return createResNet({ inputShape: [...inputShape], widths: parsed.widths, blocksPerStage: parsed.blocksPerStage, bnMomentum: parsed.bnMomentum, numClasses, seed, name });
    case 'vgg':
      return createVgg({
        inputShape: [...inputShape],
        channels: parsed.channels,
        convsPerBlock: parsed.convsPerBlock,
        batchNorm: parsed.batchNorm,
        dense: parsed.dense,
        bnMomentum: parsed.bnMomentum,
        numClasses,
        seed,
        name,
      });
  }
}
