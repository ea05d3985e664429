import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, disposeMap, initBackend, readRunConfig, saveTensors, writeJsonAtomic, type CliContribution } from '@kt/core';
import { buildModel, ImageDataSchema, loadClassificationData, ModelSpecSchema, writeImageGrid } from '@kt/vision';
import type { Command } from 'commander';
import { z } from 'zod';
import { SynthesisSchema, type SynthesisConfig } from '../config-schema';
import { balancedLabels, scoreImages, synthesizeSet, type TermValues } from '../synthesis/synthesize';
import { assertBatchNorm, assertFits, loadRunInto, logitsOfImages } from '../tasks/di-kit';

/** A command-line number; every message names the flag. */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the inferred zod type is the point
function flagInt(flag: string, min: number) {
  return z.coerce.number({ error: `${flag} must be a number` }).int(`${flag} must be a whole number`).min(min, `${flag} must be at least ${min}`);
}

export const SynthesizeOptionsSchema = z.strictObject({
  /** A `train` run directory (deepinversion or classify) of a teacher with BatchNorm. */
  teacher: z.string().min(1, 'give the teacher run directory with --teacher'),
  perClass: flagInt('--per-class', 1),
  out: z.string().min(1, 'give the output directory with --out'),
  iterations: flagInt('--iterations', 1).optional(),
  batchSize: flagInt('--batch-size', 1).optional(),
  lr: z.coerce.number({ error: '--lr must be a number' }).positive('--lr must be > 0').optional(),
  /** Weight of the BN feature term (0 turns it off, for a teacher without BatchNorm). */
  featureWeight: z.coerce.number({ error: '--feature-weight must be a number' }).nonnegative('--feature-weight must be >= 0').optional(),
  seed: flagInt('--seed', 0).default(0),
  /** Expected number of classes: checked against the teacher. */
  classes: flagInt('--classes', 1).optional(),
  /** Expected image shape HxWxC: checked against the teacher. */
  shape: z
    .string()
    .regex(/^\d+x\d+x\d+$/, '--shape must look like 28x28x1')
    .optional(),
});
export type SynthesizeOptions = z.input<typeof SynthesizeOptionsSchema>;

export interface SynthesizeResult {
  images: number;
  teacherAccuracy: number;
  teacherConfidence: number;
  /** Images × iterations per second. */
  throughput: number;
  seconds: number;
  terms: TermValues[];
  files: string[];
}

/**
 * DeepInversion from a trained teacher run without training a student: `perClass` images of every class, written to
 * `out` as `images.json/.bin` (kt tensor file: x [n, h, w, c] in [0, 1], y, teacherLogits), `grid.png` and
 * `summary.json`. The teacher's model and data come from the run's config.json. The tfjs backend must be initialised.
 */
export function synthesizeFromRun(options: SynthesizeOptions, log: (line: string) => void = () => undefined): SynthesizeResult {
  const opts = SynthesizeOptionsSchema.parse(options);
  const raw = readRunConfig(opts.teacher) as Record<string, unknown>;
  const learner = raw['learner'] as { model?: unknown } | undefined;
  const spec = ModelSpecSchema.safeParse(learner?.model);
  if (!spec.success) throw new ConfigError(`${opts.teacher}/config.json has no learner.model this command understands (a deepinversion or classify train run)`);
  const dataCfg = ImageDataSchema.safeParse(raw['data']);
  if (!dataCfg.success) throw new ConfigError(`${opts.teacher}/config.json has no data section this command understands`);
  const data = loadClassificationData(dataCfg.data);
  const teacher = buildModel(spec.data, { inputShape: data.shape, numClasses: data.numClasses, seed: 0, name: 'teacher' });
  try {
    loadRunInto(teacher, opts.teacher, 'teacher');
    const shape = opts.shape ? opts.shape.split('x').map(Number) : data.shape;
    if (opts.classes !== undefined && opts.classes !== teacher.numClasses) {
      throw new ConfigError(`--classes ${opts.classes} does not match the teacher of ${opts.teacher}: it has ${teacher.numClasses} classes`);
    }
    if (opts.shape !== undefined && shape.join('x') !== teacher.inputShape.join('x')) {
      throw new ConfigError(`--shape ${opts.shape} does not match the teacher of ${opts.teacher}: it takes ${teacher.inputShape.join('x')} images`);
    }
    assertFits(teacher, shape, data.numClasses, `the teacher of ${opts.teacher}`);
    const settings: SynthesisConfig = SynthesisSchema.parse({
      iterations: opts.iterations,
      batchSize: opts.batchSize,
      lr: opts.lr,
      loss: opts.featureWeight === undefined ? undefined : { feature: opts.featureWeight },
    });
    assertBatchNorm(teacher, settings.loss.feature, `the teacher of ${opts.teacher}`);
    const labels = balancedLabels(opts.perClass * data.numClasses, data.numClasses);
    log(`synthesising ${labels.length} images (${opts.perClass} per class) for ${settings.iterations} iterations in batches of ${settings.batchSize}`);
    const set = synthesizeSet({ teacher, labels, shape, settings, seed: opts.seed, progress: { label: 'synthesis', log } });
    const logits = logitsOfImages(teacher, set.x, set.n, shape);
    const score = scoreImages(teacher, set.x, set.y, shape);
    const tensors = new Map<string, tf.Tensor>([
      ['x', tf.tensor(set.x, [set.n, ...shape])],
      ['y', tf.tensor1d(set.y, 'int32')],
      ['teacherLogits', tf.tensor2d(logits, [set.n, data.numClasses])],
    ]);
    try {
      saveTensors(opts.out, 'images', tensors);
    } finally {
      disposeMap(tensors);
    }
    const grid = path.join(opts.out, 'grid.png');
    writeImageGrid(grid, set.x, { shape, labels: set.y, perRow: Math.min(opts.perClass, 16), scale: 2 });
    const throughput = (set.n * settings.iterations) / Math.max(1e-9, set.seconds);
    const result: SynthesizeResult = {
      images: set.n,
      teacherAccuracy: score.accuracy,
      teacherConfidence: score.confidence,
      throughput,
      seconds: set.seconds,
      terms: set.terms,
      files: [path.join(opts.out, 'images.json'), path.join(opts.out, 'images.bin'), grid, path.join(opts.out, 'summary.json')],
    };
    writeJsonAtomic(path.join(opts.out, 'summary.json'), { teacher: path.resolve(opts.teacher), settings, ...result });
    return result;
  } finally {
    teacher.dispose();
  }
}

/** Finds the `deepinversion` command group on the program, creating it once. */
function commandGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'deepinversion') ?? program.command('deepinversion').description('DeepInversion tools (synthesize)');
}

/** `kt deepinversion synthesize --teacher RUN_DIR --per-class N --out DIR [--iterations N] [--batch-size N] [--lr X] [--feature-weight X] [--seed N]`. */
export const deepInversionSynthesizeContribution: CliContribution = {
  configure(program: unknown): void {
    commandGroup(program as Command)
      .command('synthesize')
      .description('synthesise images from a trained teacher run with DeepInversion (no student): images.json/.bin, grid.png, summary.json')
      .requiredOption('--teacher <dir>', 'a train run directory (deepinversion or classify) of a teacher with BatchNorm')
      .requiredOption('--per-class <n>', 'images per class')
      .requiredOption('--out <dir>', 'output directory')
      .option('--iterations <n>', 'Adam iterations per batch (default 200)')
      .option('--batch-size <n>', 'images optimised together (default 100)')
      .option('--lr <x>', 'Adam learning rate on the pixels (default 0.1)')
      .option('--feature-weight <x>', 'weight of the BatchNorm feature term; 0 turns it off (default 1)')
      .option('--seed <n>', 'seed of the initial pixels, jitter and flips', '0')
      .option('--classes <k>', 'expected number of classes (checked against the teacher)')
      .option('--shape <HxWxC>', 'expected image shape (checked against the teacher)')
      .action(async (opts: Record<string, unknown>, cmd: Command) => {
        const output = cmd.configureOutput();
        const writeErr = output.writeErr ?? ((s: string): void => void process.stderr.write(s));
        const write = output.writeOut ?? ((s: string): void => void process.stdout.write(s));
        const options = SynthesizeOptionsSchema.parse(opts);
        const raw = readRunConfig(options.teacher) as { backend?: string };
        await initBackend({ requested: (raw.backend as 'auto' | undefined) ?? 'auto', log: (l) => writeErr(`${l}\n`) });
        const result = synthesizeFromRun(options, (l) => writeErr(`${l}\n`));
        write(
          `${result.images} images, teacher accuracy ${(result.teacherAccuracy * 100).toFixed(1)}% (confidence ${result.teacherConfidence.toFixed(3)}), ` +
            `${result.throughput.toFixed(0)} image-iterations/s\n${result.files.join('\n')}\n`,
        );
      });
  },
};
