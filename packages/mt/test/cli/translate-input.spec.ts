import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '@kt/core';
import { readTranslateInput } from '../../src/cli/translate-command';

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
});
