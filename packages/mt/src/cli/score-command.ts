import type { CliContribution } from '@kt/core';
import type { Command } from 'commander';
import { z } from 'zod';
import { scoreFiles, type FileScores } from '../metrics';

export const MtScoreOptionsSchema = z.strictObject({
  hyp: z.string().min(1, 'give the hypothesis file with --hyp'),
  ref: z.array(z.string().min(1)).min(1, 'give at least one reference file with --ref'),
  lowercase: z.boolean().default(false),
  json: z.boolean().default(false),
});
export type MtScoreOptions = z.input<typeof MtScoreOptionsSchema>;

/**
 * Corpus BLEU and chrF2 of a hypothesis file against one or more reference files, as sacreBLEU's
 * command line prints them. Line counts that differ are an error naming both files (exit code 2).
 */
export async function mtScore(options: MtScoreOptions): Promise<{ scores: FileScores; text: string }> {
  const opts = MtScoreOptionsSchema.parse(options);
  const scores = await scoreFiles({ hyp: opts.hyp, refs: opts.ref, bleu: { lowercase: opts.lowercase }, chrf: { lowercase: opts.lowercase } });
  const text = opts.json
    ? `${JSON.stringify({ bleu: scores.bleu, chrf: scores.chrf, signature: scores.signature, ...scores.detail }, undefined, 2)}\n`
    : `${scores.lines.join('\n')}\n`;
  return { scores, text };
}

/** Finds the `mt` command group on the program, creating it once (translate and score share it). */
export function mtCommandGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'mt') ??
    program.command('mt').description('machine-translation tools of the mt plugin (score, translate)')
  );
}

/** `kt mt score --hyp HYP --ref REF [--ref REF2 …] [--lowercase] [--json]`. */
export const mtScoreContribution: CliContribution = {
  configure(program: unknown): void {
    mtCommandGroup(program as Command)
      .command('score')
      .description('corpus BLEU (13a, exp smoothing) and chrF2 of HYP against references, like sacreBLEU')
      .addHelpText(
        'after',
        '\nFiles are read as sacreBLEU reads them: strict UTF-8 (invalid bytes are an error naming the file and\n' +
          'byte offset, exit code 2), and a leading byte order mark is kept as part of the first segment.',
      )
      .requiredOption('--hyp <file>', 'hypothesis file, one sentence a line (plain or .gz)')
      .option('--ref <file>', 'reference file (repeat for several references)', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--lowercase', 'lowercase hypotheses and references first', false)
      .option('--json', 'print the scores as JSON', false)
      .action(async (opts: MtScoreOptions, cmd: Command) => {
        const { text } = await mtScore(opts);
        cmd.configureOutput().writeOut?.(text);
      });
  },
};
