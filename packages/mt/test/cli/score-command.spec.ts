import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { ConfigError } from '@kt/core';
import { mtScore, mtScoreContribution } from '../../src/cli/score-command';

const SYS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const REF1 = ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'];
const REF2 = ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'];

function files(): { dir: string; hyp: string; r1: string; r2: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-score-'));
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
});
