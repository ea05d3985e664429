import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '@kt/core';
import { Command } from 'commander';
import { ZodError } from 'zod';
import { mtTranslateContribution, readTranslateInput, translateRun } from '../../src/cli/translate-command';
import { DecodeSchema, KdSchema, MAX_BEAM, MtConfigSchema } from '../../src/config-schema';

describe('kt mt translate input', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-mt-input-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stdin that is not valid UTF-8 is a config error naming stdin and the byte offset', async () => {
    const bytes = Buffer.concat([Buffer.from('ein Hund\n'), Buffer.from([0xfe, 0x41]), Buffer.from('\n')]);
    await expect(readTranslateInput(undefined, bytes)).rejects.toThrow(ConfigError);
    await expect(readTranslateInput(undefined, bytes)).rejects.toThrow('stdin: not valid UTF-8: byte 0xfe at offset 9 (line 2)');
  });

  it('an --input file that is not valid UTF-8 is a config error naming it', async () => {
    const file = path.join(dir, 'in.de');
    fs.writeFileSync(file, Buffer.from([0x61, 0x0a, 0x62, 0xe4, 0x0a]));
    await expect(readTranslateInput(file)).rejects.toThrow(`${file}: not valid UTF-8: byte 0xe4 at offset 3 (line 2)`);
  });

  it('valid stdin is split into lines with CRLF and a leading BOM handled', async () => {
    expect(await readTranslateInput(undefined, Buffer.from('\uFEFFein Hund\r\nzwei Katzen\n'))).toEqual(['ein Hund', 'zwei Katzen']);
    expect(await readTranslateInput(undefined, Buffer.alloc(0))).toEqual([]);
  });

  it('--beam 1000000 is an options error naming the flag (exit 2), before any file is read', async () => {
    const program = new Command('kt').exitOverride();
    mtTranslateContribution.configure(program);
    const run = (args: string[]): Promise<unknown> => program.parseAsync(['node', 'kt', 'mt', 'translate', '--run', dir, ...args]).catch((e) => e);
    const err = await run(['--beam', '1000000']);
    expect(err).toBeInstanceOf(ZodError);
    expect((err as ZodError).issues.map((i) => [i.path.join('.'), i.message])).toEqual([['beam', `--beam must be at most ${MAX_BEAM}`]]);
    const batch = await run(['--batch-size', '0']);
    expect((batch as ZodError).issues[0]!.message).toBe('--batch-size must be at least 1');
    const word = await run(['--beam', 'wide']);
    expect((word as ZodError).issues[0]!.message).toBe('--beam must be a number');
    expect(() => translateRun(dir, ['x'], { beam: 1e6 })).toThrow(ZodError);
  });

  it('the config bounds the beam and the decode batch too', () => {
    expect(DecodeSchema.safeParse({ beam: 1e6 }).success).toBe(false);
    expect(DecodeSchema.safeParse({ beam: MAX_BEAM }).success).toBe(true);
    expect(DecodeSchema.safeParse({ batchSize: 1e7 }).success).toBe(false);
    expect(KdSchema.safeParse({ seqBeam: 1e6 }).success).toBe(false);
    const r = MtConfigSchema.safeParse({ plugin: 'mt', task: 'train', decode: { beam: 1000000 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['decode', 'beam']);
  });
});
