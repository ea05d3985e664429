import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { configureProgress, resetProgress } from '@kt/core';
import { MtDataError, downloadCorpus } from '../../src/data';
import { MULTI30K_DIR, describeWithMulti30k } from './shared-data';

const sha256 = (buf: Buffer): string => createHash('sha256').update(buf).digest('hex');

interface ServerState {
  ranges: boolean;
  /** File name -> bytes after which the first response is cut. */
  cutOnce: Map<string, number>;
  log: { name: string; range: string | undefined }[];
}

describeWithMulti30k('downloadCorpus against a local HTTP server serving Multi30k', () => {
  const state: ServerState = { ranges: true, cutOnce: new Map(), log: [] };
  let server: http.Server;
  let baseUrl: string;
  let dest: string;
  const FILE = 'val.de.gz';
  const original = (): Buffer => readFileSync(path.join(MULTI30K_DIR, FILE));

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const name = decodeURIComponent((req.url ?? '/').slice(1));
      const file = path.join(MULTI30K_DIR, path.basename(name));
      state.log.push({ name, range: req.headers.range });
      if (!existsSync(file)) {
        res.writeHead(404).end('not found');
        return;
      }
      const buf = readFileSync(file);
      const m = state.ranges ? /^bytes=(\d+)-$/.exec(req.headers.range ?? '') : null;
      const start = m ? Number(m[1]) : 0;
      if (m && start >= buf.length) {
        res.writeHead(416, { 'content-range': `bytes */${buf.length}` }).end();
        return;
      }
      const body = buf.subarray(start);
      res.writeHead(m ? 206 : 200, {
        'content-length': body.length,
        ...(m ? { 'content-range': `bytes ${start}-${buf.length - 1}/${buf.length}` } : {}),
      });
      const cut = state.cutOnce.get(name);
      if (cut !== undefined) {
        state.cutOnce.delete(name);
        res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    dest = mkdtempSync(path.join(tmpdir(), 'kt-mt-dl-'));
    state.ranges = true;
    state.cutOnce.clear();
    state.log = [];
  });
  afterEach(() => rmSync(dest, { recursive: true, force: true }));

  it('downloads and verifies files, then reports them cached', async () => {
    const files = [
      { name: 'val.de.gz', sha256: sha256(original()) },
      { name: 'val.en.gz', sha256: sha256(readFileSync(path.join(MULTI30K_DIR, 'val.en.gz'))) },
    ];
    const got = await downloadCorpus({ baseUrl, files, dest });
    expect(got.map((f) => f.status)).toEqual(['downloaded', 'downloaded']);
    expect(readFileSync(path.join(dest, FILE)).equals(original())).toBe(true);
    expect(existsSync(path.join(dest, `${FILE}.part`))).toBe(false);
    state.log = [];
    const again = await downloadCorpus({ baseUrl, files, dest });
    expect(again.map((f) => f.status)).toEqual(['cached', 'cached']);
    expect(state.log).toEqual([]);
  });

  it('shows download progress in bytes through its log (plain lines when not on a terminal)', async () => {
    configureProgress({ mode: 'lines', lineIntervalMs: 60_000 });
    try {
      const lines: string[] = [];
      await downloadCorpus({ baseUrl, files: [{ name: FILE }], dest, log: (l) => lines.push(l) });
      const size = original().length;
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^download ${FILE.replace('.', '\\.')} ${size}/${size} bytes `)));
    } finally {
      resetProgress();
    }
  });

  it('resumes an interrupted download with a Range request', async () => {
    state.cutOnce.set(FILE, 5000);
    const got = await downloadCorpus({ baseUrl, files: [{ name: FILE, sha256: sha256(original()) }], dest });
    expect(got[0]!.status).toBe('resumed');
    expect(state.log.length).toBe(2);
    expect(state.log[0]!.range).toBeUndefined();
    expect(state.log[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(readFileSync(path.join(dest, FILE)).equals(original())).toBe(true);
  });

  it('keeps the .part file when out of retries, and a later call resumes it', async () => {
    state.cutOnce.set(FILE, 5000);
    const file = { name: FILE, sha256: sha256(original()) };
    const err = await downloadCorpus({ baseUrl, files: [file], dest, retries: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MtDataError);
    expect((err as Error).message).toMatch(/call again to resume/);
    const partSize = statSync(path.join(dest, `${FILE}.part`)).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThanOrEqual(5000);
    expect(existsSync(path.join(dest, FILE))).toBe(false);
    const got = await downloadCorpus({ baseUrl, files: [file], dest, retries: 0 });
    expect(got[0]!.status).toBe('resumed');
    expect(state.log[1]!.range).toBe(`bytes=${partSize}-`);
    expect(readFileSync(path.join(dest, FILE)).equals(original())).toBe(true);
  });

  it('starts over when the server ignores Range', async () => {
    state.ranges = false;
    state.cutOnce.set(FILE, 5000);
    const got = await downloadCorpus({ baseUrl, files: [{ name: FILE, sha256: sha256(original()) }], dest });
    expect(got[0]!.status).toBe('downloaded');
    expect(readFileSync(path.join(dest, FILE)).equals(original())).toBe(true);
  });

  it('rejects a checksum mismatch and keeps no file', async () => {
    const err = await downloadCorpus({ baseUrl, files: [{ name: FILE, sha256: '0'.repeat(64) }], dest }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MtDataError);
    expect((err as Error).message).toMatch(/checksum mismatch for val\.de\.gz.*expected sha256 0{64}, got [0-9a-f]{64}; the file was not kept/);
    expect(existsSync(path.join(dest, FILE))).toBe(false);
    expect(existsSync(path.join(dest, `${FILE}.part`))).toBe(false);
  });

  it('reports HTTP errors and refuses names escaping the destination', async () => {
    await expect(downloadCorpus({ baseUrl, files: [{ name: 'missing.gz' }], dest })).rejects.toThrow(/HTTP 404/);
    await expect(downloadCorpus({ baseUrl, files: [{ name: '../evil' }], dest })).rejects.toThrow(/escapes/);
  });
});
