import * as fs from 'fs';
import { ConfigError, initBackend, parseBackendRequest, type BackendRequest, type CliContribution } from '@kt/core';
import type { Command } from 'commander';
import { z } from 'zod';
import { DecodeSchema, MAX_BEAM, MAX_DECODE_BATCH } from '../config-schema';
import { decodeUtf8Strict, readTextLines, splitTextLines } from '../data';
import { loadMtRun, type CheckpointChoice } from '../tasks/mt-model-files';
import { translateIds, translationProgress, type TranslationProgress } from '../tasks/translate-sentences';
import { mtCommandGroup } from './score-command';

/** A command-line integer in [1, max]; every message names the flag. */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the inferred zod type is the point
function flagInt(flag: string, max: number) {
  return z.coerce
    .number({ error: `${flag} must be a number` })
    .int(`${flag} must be a whole number`)
    .min(1, `${flag} must be at least 1`)
    .max(max, `${flag} must be at most ${max}`);
}

export const MtTranslateOptionsSchema = z.strictObject({
  /** The run directory written by `kt run` of an mt config. */
  run: z.string().min(1, 'give the run directory with --run'),
  /** Input file (one source sentence a line, plain or gzip); default stdin. */
  input: z.string().min(1).optional(),
  /** Beam size; default the run's `decode.beam`. */
  beam: flagInt('--beam', MAX_BEAM).optional(),
  /** Which learner weights: the latest checkpoint or the best (early stopping) one; default best when kept, else latest. */
  checkpoint: z.enum(['latest', 'best']).optional(),
  /** Sentences decoded together; default the run's `decode.batchSize`. */
  batchSize: flagInt('--batch-size', MAX_DECODE_BATCH).optional(),
  /** No progress bar or lines on stderr. */
  quiet: z.boolean().optional(),
});
export type MtTranslateOptions = z.input<typeof MtTranslateOptionsSchema>;

export interface TranslateRunResult {
  /** One translation per input line (an empty line gives an empty translation). */
  translations: string[];
  /** Decoding speed (non-empty sentences per second). */
  sentencesPerSecond: number;
  /** Checkpoint directory the weights came from. */
  weights: string;
}

/**
 * Translates `lines` with the learner of an mt run: loads `config.json`, `artifacts/tokenizer.json`,
 * `artifacts/model.json` and the learner weights of the chosen checkpoint (default: the best one when the run
 * kept one, as its test scores were computed with, else the latest), and decodes with the run's
 * `decode` settings (beam overridable); with `progress`, decoding shows progress under its label. A missing run, missing artifacts or no input lines are ConfigErrors.
 * The tfjs backend must be initialised by the caller.
 */
export function translateRun(
  runDir: string,
  lines: readonly string[],
  options: { beam?: number; checkpoint?: CheckpointChoice; batchSize?: number; progress?: TranslationProgress } = {},
): TranslateRunResult {
  if (lines.length === 0) throw new ConfigError('nothing to translate: the input has no lines');
  const overrides = MtTranslateOptionsSchema.pick({ beam: true, batchSize: true }).parse({ beam: options.beam, batchSize: options.batchSize });
  const run = loadMtRun(runDir, options.checkpoint);
  try {
    const saved = DecodeSchema.safeParse(run.config['decode'] ?? {});
    const decode = saved.success ? saved.data : DecodeSchema.parse({});
    const settings = {
      beam: overrides.beam ?? decode.beam,
      lengthPenalty: decode.lengthPenalty,
      maxLen: decode.maxLen,
      batchSize: overrides.batchSize ?? decode.batchSize,
    };
    const nonEmpty = lines.map((l, i) => [l, i] as const).filter(([l]) => l.trim() !== '');
    const t0 = performance.now();
    const ids = translateIds(
      run.model,
      nonEmpty.map(([l]) => run.tokenizer.encode(l)),
      settings,
      options.progress ? translationProgress(options.progress, nonEmpty.length) : undefined,
    );
    const seconds = (performance.now() - t0) / 1000;
    const translations = lines.map(() => '');
    nonEmpty.forEach(([, i], k) => (translations[i] = run.tokenizer.decode(ids[k]!)));
    return { translations, sentencesPerSecond: nonEmpty.length / Math.max(1e-9, seconds), weights: run.weights.dir };
  } finally {
    run.model.dispose();
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * Input lines from a file (plain or gzip) or stdin (`stdinBytes` stands in for stdin in tests). Strict UTF-8:
 * invalid input is a ConfigError naming the file (or stdin) and the byte offset. A leading BOM is dropped.
 */
export async function readTranslateInput(input: string | undefined, stdinBytes?: Uint8Array): Promise<string[]> {
  if (input !== undefined) {
    if (!fs.existsSync(input)) throw new ConfigError(`--input: ${input} does not exist`);
    return readTextLines(input);
  }
  return splitTextLines(decodeUtf8Strict(stdinBytes ?? (await readStdin()), 'stdin'));
}

/** The run's configured backend (initBackend lets env KT_BACKEND override it). */
function backendOf(runDir: string): BackendRequest | undefined {
  try {
    const raw = JSON.parse(fs.readFileSync(`${runDir}/config.json`, 'utf8')) as { backend?: string };
    return raw.backend ? parseBackendRequest(raw.backend) : undefined;
  } catch {
    return undefined;
  }
}

/** `kt mt translate --run RUN_DIR [--input FILE] [--beam N] [--checkpoint latest|best] [--batch-size N]`. */
export const mtTranslateContribution: CliContribution = {
  configure(program: unknown): void {
    mtCommandGroup(program as Command)
      .command('translate')
      .description('translate stdin or a file line by line with the learner of an mt run; prints one translation a line')
      .requiredOption('--run <dir>', 'run directory of an mt experiment')
      .option('--input <file>', 'source sentences, one a line (plain or .gz); default stdin')
      .option('--beam <n>', `beam size, 1 to ${MAX_BEAM} (default: the run's decode.beam)`)
      .option('--checkpoint <which>', 'latest or best (default: best when the run kept one, else latest)')
      .option('--batch-size <n>', `sentences decoded together, 1 to ${MAX_DECODE_BATCH} (default: the run's decode.batchSize)`)
      .option('-q, --quiet', 'no decoding progress on stderr')
      .action(async (opts: Record<string, unknown>, cmd: Command) => {
        const options = MtTranslateOptionsSchema.parse(opts);
        if (!fs.existsSync(options.run)) throw new ConfigError(`run directory not found: ${options.run}`);
        const lines = await readTranslateInput(options.input);
        if (lines.length === 0) throw new ConfigError(`nothing to translate: ${options.input ?? 'stdin'} is empty`);
        // Translations on the command's stdout, diagnostics on its stderr (both through commander's output, as the CLI configures it).
        const output = cmd.configureOutput();
        const write = output.writeOut ?? ((s: string): void => void process.stdout.write(s));
        const writeErr = output.writeErr ?? ((s: string): void => void process.stderr.write(s));
        await initBackend({ config: backendOf(options.run), log: (l) => writeErr(`${l}\n`) });
        // Decoding progress on stderr: a bar on a terminal, a plain line every few seconds otherwise.
        const log = { info: (l: string): void => writeErr(`${l}\n`), warn: (l: string): void => writeErr(`warning: ${l}\n`), debug: (): void => undefined };
        const result = translateRun(options.run, lines, { ...options, progress: options.quiet ? undefined : { label: 'translate', log } });
        write(result.translations.map((t) => `${t}\n`).join(''));
        writeErr(`translated ${lines.length} lines (${result.sentencesPerSecond.toFixed(1)} sentences/s) with ${result.weights}\n`);
      });
  },
};
