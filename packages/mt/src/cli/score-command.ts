import type { CliContribution } from '@kt/core';
import type { Command } from 'commander';
import { z } from 'zod';
import {
  BLEU_TOKENIZER_NAMES,
  formatFixed,
  pairedTestLines,
  readScoringFiles,
  sacrebleuSeed,
  scoreLines,
  type FileScores,
  type PairedFileResults,
  type PairedResult,
} from '../metrics';

/** A command-line count in [min, max]; messages name the flag. */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the inferred zod type is the point
function flagInt(flag: string, min: number, max: number) {
  return z.coerce
    .number({ error: `${flag} must be a number` })
    .int(`${flag} must be a whole number`)
    .min(min, `${flag} must be at least ${min}`)
    .max(max, `${flag} must be at most ${max}`);
}

export const MtScoreOptionsSchema = z
  .strictObject({
    /** The hypotheses (the baseline of a paired test). */
    hyp: z.string().min(1, 'give the hypothesis file with --hyp'),
    /** A second system, compared with `hyp` by `--paired-bs` or `--paired-ar`. */
    system: z.string().min(1).optional(),
    ref: z.array(z.string().min(1)).min(1, 'give at least one reference file with --ref'),
    /** BLEU tokeniser (sacreBLEU `--tokenize`). */
    tokenize: z.enum(BLEU_TOKENIZER_NAMES as [string, ...string[]], { error: `--tokenize must be one of ${BLEU_TOKENIZER_NAMES.join(', ')}` }).default('13a'),
    /** Lowercase for BLEU only (sacreBLEU `-lc`); chrF has its own `chrfLowercase`. */
    lowercase: z.boolean().default(false),
    chrfLowercase: z.boolean().default(false),
    /** chrF word n-gram order: 0 = chrF, 2 = chrF++. */
    chrfWordOrder: flagInt('--chrf-word-order', 0, 9).default(0),
    pairedBs: z.boolean().default(false),
    pairedAr: z.boolean().default(false),
    pairedBsN: flagInt('--paired-bs-n', 1, 1_000_000).default(1000),
    pairedArN: flagInt('--paired-ar-n', 1, 1_000_000).default(10000),
    json: z.boolean().default(false),
  })
  .refine((o) => !(o.pairedBs && o.pairedAr), { message: '--paired-bs and --paired-ar exclude each other', path: ['pairedAr'] })
  .refine((o) => !(o.pairedBs || o.pairedAr) || o.system !== undefined, {
    message: 'a paired test compares two systems: give the second with --system',
    path: ['system'],
  })
  .refine((o) => o.system === undefined || o.pairedBs || o.pairedAr, { message: '--system needs --paired-bs or --paired-ar', path: ['system'] });
export type MtScoreOptions = z.input<typeof MtScoreOptionsSchema>;

export interface MtScoreResult {
  scores: FileScores;
  /** With --paired-bs / --paired-ar: the test's results per metric. */
  paired?: PairedFileResults;
  text: string;
}

/** sacreBLEU's paired-test cell: `54.1 (μ = 54.1 ± 5.8) (p = 0.2388)`, `*` when p < 0.05. */
function pairedCell(r: PairedResult): string {
  let s = formatFixed(r.score, 2);
  if (r.mean !== undefined && r.ci !== undefined) s += ` (μ = ${formatFixed(r.mean, 2)} ± ${formatFixed(r.ci, 2)})`;
  if (r.pValue !== undefined) s += ` (p = ${formatFixed(r.pValue, 4)})${r.pValue < 0.05 ? '*' : ''}`;
  return s;
}

/**
 * Corpus BLEU and chrF of a hypothesis file against one or more reference files as sacreBLEU 2.6.0 computes
 * them (tokenizer, -lc for BLEU only, chrF++), with its signatures; with `system` and `pairedBs`/`pairedAr`,
 * sacreBLEU's paired significance test of the system against the baseline `hyp` (seed: env SACREBLEU_SEED,
 * default 12345). Line counts that differ are an error naming both files (exit code 2).
 */
export async function mtScore(options: MtScoreOptions): Promise<MtScoreResult> {
  const opts = MtScoreOptionsSchema.parse(options);
  const bleu = { lowercase: opts.lowercase, tokenize: opts.tokenize as (typeof BLEU_TOKENIZER_NAMES)[number] };
  const chrf = { lowercase: opts.chrfLowercase, wordOrder: opts.chrfWordOrder };
  const { hyps, refs } = await readScoringFiles(opts.hyp, opts.ref);
  const scores = scoreLines(hyps, refs, { bleu, chrf });
  let paired: PairedFileResults | undefined;
  if (opts.system !== undefined) {
    const system = (await readScoringFiles(opts.system, opts.ref)).hyps;
    const test = opts.pairedBs ? 'bs' : 'ar';
    const seed = sacrebleuSeed(); // an MtDataError (exit 2) when SACREBLEU_SEED is not an integer
    paired = pairedTestLines(hyps, system, refs, { bleu, chrf, test, samples: test === 'bs' ? opts.pairedBsN : opts.pairedArN, seed });
  }
  let text: string;
  if (opts.json) {
    text = `${JSON.stringify({ bleu: scores.bleu, chrf: scores.chrf, signature: scores.signature, ...scores.detail, ...(paired ? { paired } : {}) }, undefined, 2)}\n`;
  } else if (paired) {
    const what = paired.test === 'bs' ? `paired bootstrap resampling (${paired.samples} resamples)` : `paired approximate randomization (${paired.samples} trials)`;
    const lines = [`${what}, seed ${paired.seed}; baseline ${opts.hyp}, system ${opts.system}`];
    for (const [name, r] of Object.entries(paired.metrics)) {
      lines.push(`${name}|${r.signature}`, `  baseline: ${pairedCell(r.baseline)}`, `  system:   ${pairedCell(r.system)}`);
    }
    text = `${lines.join('\n')}\n`;
  } else {
    text = `${scores.lines.join('\n')}\n`;
  }
  return { scores, paired, text };
}

/** Finds the `mt` command group on the program, creating it once (translate and score share it). */
export function mtCommandGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'mt') ??
    program.command('mt').description('machine-translation tools of the mt plugin (score, translate)')
  );
}

/** `kt mt score --hyp HYP --ref REF [--ref REF2 …] [--tokenize T] [-l] [--chrf-word-order 2] [--system SYS --paired-bs|--paired-ar] [--json]`. */
export const mtScoreContribution: CliContribution = {
  configure(program: unknown): void {
    mtCommandGroup(program as Command)
      .command('score')
      .description('corpus BLEU and chrF of HYP against references, and paired significance tests, as sacreBLEU 2.6.0 computes them')
      .addHelpText(
        'after',
        '\nFiles are read as sacreBLEU reads them: strict UTF-8 (invalid bytes are an error naming the file and\n' +
          'byte offset, exit code 2), and a leading byte order mark is kept as part of the first segment.\n' +
          "sacreBLEU's -lc is -l/--lowercase here (BLEU only, as in sacreBLEU). Paired tests use the seed in\n" +
          'env SACREBLEU_SEED (default 12345), as sacreBLEU does.',
      )
      .requiredOption('--hyp <file>', 'hypothesis file, one sentence a line (plain or .gz); the baseline of a paired test')
      .option('--ref <file>', 'reference file (repeat for several references)', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--tokenize <name>', `BLEU tokenizer: ${BLEU_TOKENIZER_NAMES.join(', ')}`, '13a')
      .option('-l, --lowercase', "lowercase for BLEU (sacreBLEU's -lc; chrF keeps case)", false)
      .option('--chrf-lowercase', 'lowercase for chrF', false)
      .option('--chrf-word-order <n>', 'chrF word n-gram order (2 = chrF++)', '0')
      .option('--system <file>', 'a second system, compared with --hyp by a paired test')
      .option('--paired-bs', 'paired bootstrap resampling test of --system against --hyp', false)
      .option('--paired-ar', 'paired approximate randomization test of --system against --hyp', false)
      .option('--paired-bs-n <n>', 'bootstrap resamples', '1000')
      .option('--paired-ar-n <n>', 'approximate randomization trials', '10000')
      .option('--json', 'print the scores as JSON', false)
      .action(async (opts: MtScoreOptions, cmd: Command) => {
        const { text } = await mtScore(opts);
        cmd.configureOutput().writeOut?.(text);
      });
  },
};
