import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { ZodError } from 'zod';
import { ConfigError } from '@kt/core';
import { tempDirs } from '@kt/core/testing';
import { mtScore, mtScoreContribution } from '../../src/cli/score-command';

const SYS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const REF1 = ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'];
const REF2 = ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'];

const tmp = tempDirs('kt-score-');

function files(): { dir: string; hyp: string; r1: string; r2: string } {
  const dir = tmp();
  const w = (name: string, lines: string[]): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, `${lines.join('\n')}\n`);
    return p;
  };
  return { dir, hyp: w('sys.txt', SYS), r1: w('ref1.txt', REF1), r2: w('ref2.txt', REF2) };
}

describe('kt mt score', () => {
  it("prints sacreBLEU's numbers for its README example", async () => {
    const f = files();
    const { scores, text } = await mtScore({ hyp: f.hyp, ref: [f.r1, f.r2] });
    expect(scores.bleu.toFixed(2)).toBe('48.53');
    expect(scores.chrf.toFixed(2)).toBe('59.73');
    expect(text).toMatch(/^BLEU\|nrefs:2\|case:mixed\|eff:no\|tok:13a\|smooth:exp\|version:2\.6\.0 = 48\.53 /m);
    expect(text).toMatch(/^chrF2\|nrefs:2\|case:mixed\|eff:yes\|nc:6\|nw:0\|space:no\|version:2\.6\.0 = 59\.73$/m);
  });

  it('names both files and counts when line counts differ (a config error, exit 2)', async () => {
    const f = files();
    const short = path.join(f.dir, 'short.txt');
    fs.writeFileSync(short, 'one line\n');
    const err = await mtScore({ hyp: f.hyp, ref: [short] }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(f.hyp);
    expect(err.message).toContain(short);
    expect(err.message).toMatch(/3 lines.*1 lines/);
  });

  it('is a subcommand of kt mt with repeatable --ref', async () => {
    const f = files();
    let out = '';
    const program = new Command('kt').exitOverride().configureOutput({ writeOut: (s) => (out += s) });
    mtScoreContribution.configure(program);
    await program.parseAsync(['node', 'kt', 'mt', 'score', '--hyp', f.hyp, '--ref', f.r1, '--ref', f.r2, '--json']);
    expect(JSON.parse(out).bleu).toBeCloseTo(48.53, 2);
  });

  it("keeps a leading byte order mark as sacreBLEU 2.6.0 does (oracle: its CLI and corpus_bleu/corpus_chrf)", async () => {
    const f = files();
    const hyp = path.join(f.dir, 'bom.txt');
    const ref = path.join(f.dir, 'bom-ref.txt');
    fs.writeFileSync(hyp, '\uFEFFthe cat sat on the mat .\na dog ran in the park .\n');
    fs.writeFileSync(ref, 'the cat sat on the mat .\na dog ran in the park .\n');
    const { scores } = await mtScore({ hyp, ref: [ref] });
    // sacrebleu 2.6.0: corpus_bleu -> 90.48348715045417 (hyp_len 14), corpus_chrf -> 99.32931502003338
    expect(scores.bleu).toBeCloseTo(90.48348715045417, 10);
    expect(scores.detail.hypLen).toBe(14);
    expect(scores.chrf).toBeCloseTo(99.32931502003338, 10);
  });

  it('rejects a file that is not valid UTF-8 with a config error naming it and the byte offset', async () => {
    const f = files();
    const bad = path.join(f.dir, 'latin1.txt');
    fs.writeFileSync(bad, Buffer.concat([Buffer.from('The dog bit the man.\nIt was'), Buffer.from([0xe9]), Buffer.from('t\nok\n')]));
    const err = await mtScore({ hyp: bad, ref: [f.r1] }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(`${bad}: not valid UTF-8: byte 0xe9 at offset 27 (line 2)`);
    const errRef = await mtScore({ hyp: f.hyp, ref: [f.r1, bad] }).catch((e) => e);
    expect(errRef).toBeInstanceOf(ConfigError);
    expect(errRef.message).toContain(`${bad}: not valid UTF-8`);
  });

  it('says in --help how files are read', () => {
    let out = '';
    const program = new Command('kt').exitOverride().configureOutput({ writeOut: (s) => (out += s) });
    mtScoreContribution.configure(program);
    const score = program.commands.find((c) => c.name() === 'mt')!.commands.find((c) => c.name() === 'score')!;
    score.outputHelp();
    expect(out).toMatch(/strict UTF-8/);
    expect(out).toMatch(/byte order mark is kept/);
  });

  it('-l lowercases BLEU only, as sacreBLEU -lc; --chrf-lowercase and --chrf-word-order 2 (chrF++) are chrF options', async () => {
    const f = files();
    const upper = path.join(f.dir, 'upper.txt');
    fs.writeFileSync(upper, `${SYS.map((l) => l.toUpperCase()).join('\n')}\n`);
    const plain = await mtScore({ hyp: upper, ref: [f.r1, f.r2] });
    const lc = await mtScore({ hyp: upper, ref: [f.r1, f.r2], lowercase: true });
    expect(lc.scores.bleu.toFixed(2)).toBe('48.53');
    expect(plain.scores.bleu).toBeLessThan(10);
    expect(lc.scores.chrf).toBe(plain.scores.chrf);
    expect(lc.scores.signature).toContain('BLEU|nrefs:2|case:lc|');
    expect(lc.scores.signature).toContain('chrF2|nrefs:2|case:mixed|');
    const chrfLc = await mtScore({ hyp: upper, ref: [f.r1, f.r2], chrfLowercase: true, chrfWordOrder: 2 });
    expect(chrfLc.scores.chrf).toBeGreaterThan(plain.scores.chrf);
    expect(chrfLc.text).toMatch(/^chrF2\+\+\|nrefs:2\|case:lc\|eff:yes\|nc:6\|nw:2\|space:no\|version:2\.6\.0 = /m);
  });

  it('--system with --paired-bs / --paired-ar prints the test per metric; bad combinations are option errors', async () => {
    const f = files();
    const other = path.join(f.dir, 'other.txt');
    fs.writeFileSync(other, `${REF1.join('\n')}\n`);
    let out = '';
    const program = new Command('kt').exitOverride().configureOutput({ writeOut: (s) => (out += s) });
    mtScoreContribution.configure(program);
    const argv = ['node', 'kt', 'mt', 'score', '--hyp', f.hyp, '--ref', f.r1, '--ref', f.r2, '--system', other];
    await program.parseAsync([...argv, '--paired-bs', '--paired-bs-n', '200', '--json']);
    const json = JSON.parse(out) as { paired: { test: string; samples: number; seed: number; metrics: Record<string, { signature: string; system: { pValue: number } }> } };
    expect(json.paired.test).toBe('bs');
    expect(json.paired.samples).toBe(200);
    expect(json.paired.seed).toBe(12345);
    expect(json.paired.metrics['BLEU']!.signature).toBe('nrefs:2|bs:200|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0');
    expect(json.paired.metrics['chrF2']!.system.pValue).toBeGreaterThan(0);
    const ar = await mtScore({ hyp: f.hyp, ref: [f.r1], system: other, pairedAr: true, pairedArN: 100 });
    expect(ar.text).toMatch(/^paired approximate randomization \(100 trials\), seed 12345/);
    expect(ar.text).toMatch(/^BLEU\|nrefs:1\|ar:100\|seed:12345\|/m);
    expect(ar.text).toMatch(/^ {2}system: {3}[\d.]+ \(p = [\d.]+\)\*?$/m);
    const issues = async (o: Parameters<typeof mtScore>[0]): Promise<string[]> => {
      const err = await mtScore(o).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ZodError);
      return (err as ZodError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(await issues({ hyp: f.hyp, ref: [f.r1], pairedBs: true })).toEqual(['system: a paired test compares two systems: give the second with --system']);
    expect(await issues({ hyp: f.hyp, ref: [f.r1], system: other })).toEqual(['system: --system needs --paired-bs or --paired-ar']);
    expect(await issues({ hyp: f.hyp, ref: [f.r1], system: other, pairedBs: true, pairedAr: true })).toEqual(['pairedAr: --paired-bs and --paired-ar exclude each other']);
    expect(await issues({ hyp: f.hyp, ref: [f.r1], tokenize: 'moses' as '13a' })).toEqual(['tokenize: --tokenize must be one of 13a, intl, char, zh, none']);
  });

  it('a SACREBLEU_SEED that is not an integer is a config error (unseeded tests would not repeat)', async () => {
    const f = files();
    const previous = process.env['SACREBLEU_SEED'];
    process.env['SACREBLEU_SEED'] = 'None';
    try {
      const err = await mtScore({ hyp: f.hyp, ref: [f.r1], system: f.r2, pairedBs: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/SACREBLEU_SEED must be a non-negative integer \(got "None"\)/);
      process.env['SACREBLEU_SEED'] = '0';
      const zero = await mtScore({ hyp: f.hyp, ref: [f.r1], system: f.r2, pairedAr: true }).catch((e: unknown) => e);
      expect(zero).toBeInstanceOf(ConfigError);
      expect((zero as Error).message).toContain('SACREBLEU_SEED=0 leaves');
    } finally {
      if (previous === undefined) delete process.env['SACREBLEU_SEED'];
      else process.env['SACREBLEU_SEED'] = previous;
    }
  });
});
