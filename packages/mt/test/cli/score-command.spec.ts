import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { ConfigError } from '@kt/core';
import { mtScore, mtScoreContribution } from '../../src/cli/score-command';

const SYS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const REF1 = ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'];
const REF2 = ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'];

const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function files(): { dir: string; hyp: string; r1: string; r2: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-score-'));
  made.push(dir);
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
    expect(text).toMatch(/^BLEU = 48\.53 /m);
    expect(text).toMatch(/^chrF2 = 59\.73/m);
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
});
