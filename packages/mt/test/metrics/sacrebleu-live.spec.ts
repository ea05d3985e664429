import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { mtScore } from '../../src/cli/score-command';
import { NumpyGenerator } from '../../src/metrics';

/*
 * Live oracle: sacreBLEU 2.6.0 itself, from a Python venv (`python3 -m venv /tmp/sb && /tmp/sb/bin/pip install
 * sacrebleu==2.6.0`, or $KT_SACREBLEU_PYTHON). Skipped, with a message, when it is not there.
 */
const PYTHON = process.env['KT_SACREBLEU_PYTHON'] ?? '/tmp/sb/bin/python';
const available =
  fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import sacrebleu, sys; sys.exit(0 if sacrebleu.__version__ == "2.6.0" else 1)']).status === 0;
if (!available) console.warn(`skipping the live sacreBLEU oracle: no sacreBLEU 2.6.0 at ${PYTHON} (set KT_SACREBLEU_PYTHON)`);
const describeLive = available ? describe : describe.skip;

jest.setTimeout(120_000);

const WORDS = 'the a dog Dog cat man woman runs ran sees big small red in on at with of and to is , . ! ? ( ) 3.5 1,000 10-20 U.S. über Straße 狗 在 跑 。 你好 € … «oui» 🙂'.split(' ');

/** Deterministic corpora: a reference and two noisy systems. */
function corpus(seed: number, n: number): { ref: string[]; a: string[]; b: string[] } {
  const g = new NumpyGenerator(seed);
  const pick = (): string => WORDS[g.integers(WORDS.length, 1)[0]!]!;
  const ref: string[] = [];
  const a: string[] = [];
  const b: string[] = [];
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: 1 + g.integers(14, 1)[0]! }, pick);
    ref.push(words.join(' '));
    const noisy = (rate: number): string => words.map((w) => (g.integers(100, 1)[0]! < rate ? pick() : w)).join(' ');
    a.push(noisy(30));
    b.push(noisy(22));
  }
  return { ref, a, b };
}

describeLive('kt mt score against the live sacreBLEU 2.6.0', () => {
  let dir = '';
  const files: Record<string, string> = {};
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-sacrebleu-live-'));
    const { ref, a, b } = corpus(2026, 120);
    for (const [name, lines] of Object.entries({ ref, a, b })) {
      files[name] = path.join(dir, `${name}.txt`);
      fs.writeFileSync(files[name]!, lines.map((l) => `${l}\n`).join(''));
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const sacrebleu = (args: string[], env: Record<string, string> = {}): string => {
    const r = spawnSync(PYTHON, ['-m', 'sacrebleu', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    if (r.status !== 0) throw new Error(`sacrebleu ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  it.each([
    ['13a', false, 0],
    ['intl', true, 2],
    ['zh', false, 2],
    ['char', true, 0],
    ['none', false, 2],
  ] as const)('--tokenize %s, -lc %s, --chrf-word-order %i: scores and signatures', async (tok, lc, wordOrder) => {
    const args = [files['ref']!, '-i', files['a']!, '-m', 'bleu', 'chrf', '-tok', tok, '--chrf-word-order', String(wordOrder), '-w', '8', '-f', 'json'];
    const oracle = JSON.parse(sacrebleu(lc ? [...args, '-lc'] : args)) as { name: string; score: number; signature: string }[];
    const ours = await mtScore({ hyp: files['a']!, ref: [files['ref']!], tokenize: tok, lowercase: lc, chrfWordOrder: wordOrder });
    expect(ours.scores.bleu.toFixed(8)).toBe(oracle[0]!.score.toFixed(8));
    expect(ours.scores.chrf.toFixed(8)).toBe(oracle[1]!.score.toFixed(8));
    expect(ours.scores.signature).toBe(`${oracle[0]!.name}|${oracle[0]!.signature} ${oracle[1]!.name}|${oracle[1]!.signature}`);
  });

  it.each([
    ['bs', '12345'],
    ['ar', '12345'],
    ['bs', '99'],
  ] as const)('paired %s test with SACREBLEU_SEED=%s: p-values, means and CIs', async (test, seed) => {
    // sacreBLEU's CLI cannot print paired results as JSON with numpy 2 (float32 is not serialisable): use its API.
    const script = [
      'import json, sys',
      'from sacrebleu.metrics import BLEU, CHRF',
      'from sacrebleu.significance import PairedTest',
      'read = lambda p: [l.rstrip() for l in open(p, encoding="utf-8")]',
      'refs = [read(sys.argv[1])]',
      'metrics = {"BLEU": BLEU(references=refs, tokenize="intl"), "chrF": CHRF(references=refs, word_order=2)}',
      `sigs, scores = PairedTest([("a", read(sys.argv[2])), ("b", read(sys.argv[3]))], metrics, None, "${test}", ${test === 'bs' ? 1000 : 3000})()`,
      'print(json.dumps({k: [vars(r) for r in v] for k, v in scores.items() if k != "System"} | {"sigs": {k: s.format() for k, s in sigs.items()}}, default=float))',
    ].join('\n');
    const r = spawnSync(PYTHON, ['-c', script, files['ref']!, files['a']!, files['b']!], { encoding: 'utf8', env: { ...process.env, SACREBLEU_SEED: seed } });
    expect(r.stderr.includes('Traceback')).toBe(false);
    const oracle = JSON.parse(r.stdout) as Record<string, { score: number; p_value: number | null; mean: number | null; ci: number | null }[]> & {
      sigs: Record<string, string>;
    };
    const previous = process.env['SACREBLEU_SEED'];
    process.env['SACREBLEU_SEED'] = seed;
    try {
      const ours = await mtScore({
        hyp: files['a']!,
        system: files['b']!,
        ref: [files['ref']!],
        tokenize: 'intl',
        chrfWordOrder: 2,
        pairedBs: test === 'bs',
        pairedAr: test === 'ar',
        pairedArN: 3000,
      });
      for (const name of ['BLEU', 'chrF2++']) {
        const got = ours.paired!.metrics[name]!;
        const [bl, sy] = oracle[name]!;
        expect(got.signature).toBe(oracle.sigs[name]);
        expect(got.system.pValue).toBe(sy!.p_value);
        expect(got.system.score).toBeCloseTo(sy!.score, 9);
        expect(got.baseline.score).toBeCloseTo(bl!.score, 9);
        if (test === 'bs') {
          for (const [x, y] of [
            [got.baseline.mean, bl!.mean],
            [got.baseline.ci, bl!.ci],
            [got.system.mean, sy!.mean],
            [got.system.ci, sy!.ci],
          ] as const) {
            expect(Math.abs(x! - y!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(y!)));
          }
        }
      }
    } finally {
      if (previous === undefined) delete process.env['SACREBLEU_SEED'];
      else process.env['SACREBLEU_SEED'] = previous;
    }
  });
});
