import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { MtDataError } from '../../src/data';
import { scoreFiles } from '../../src/metrics';

describe('scoreFiles', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kt-mt-score-'));
    writeFileSync(path.join(dir, 'hyp.txt'), "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n");
    writeFileSync(path.join(dir, 'ref1.txt'), 'The dog bit the man.\r\nIt was not unexpected.\r\nThe man bit him first.\r\n');
    writeFileSync(
      path.join(dir, 'ref2.gz'),
      gzipSync('The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.'),
    );
    writeFileSync(path.join(dir, 'short.txt'), 'one line\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scores the sacreBLEU example from files (plain, CRLF and gzip)', async () => {
    const r = await scoreFiles({ hyp: path.join(dir, 'hyp.txt'), refs: [path.join(dir, 'ref1.txt'), path.join(dir, 'ref2.gz')] });
    expect(r.bleu.toFixed(2)).toBe('48.53');
    expect(r.chrf.toFixed(2)).toBe('59.73');
    expect(r.detail).toEqual(expect.objectContaining({ hypLen: 17, refLen: 18 }));
    expect(r.detail.bp).toBeCloseTo(Math.exp(1 - 18 / 17), 12);
    expect(r.lines).toEqual([
      // sacreBLEU 2.6.0 `-f text`: the metric name, its signature, the score
      'BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)',
      'chrF2|nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0 = 59.73',
    ]);
    expect(r.signature).toBe('BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 chrF2|nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0');
  });

  it('throws an MtDataError naming both files and counts when line counts differ', async () => {
    const hyp = path.join(dir, 'hyp.txt');
    const ref = path.join(dir, 'short.txt');
    const err = await scoreFiles({ hyp, refs: [ref] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MtDataError);
    expect((err as Error).message).toContain(hyp);
    expect((err as Error).message).toContain(ref);
    expect((err as Error).message).toMatch(/3 lines.*1 lines/);
  });
});
