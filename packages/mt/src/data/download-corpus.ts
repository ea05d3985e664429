import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, promises as fs, writeSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { ensureDir, startProgress, type Logger } from '@kt/core';
import { MtDataError } from './mt-data-error';

/** The part of an HTTP response the downloader uses. */
export interface HttpResponseLike {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array>;
}

/** Performs a GET of `url` with extra request headers (e.g. Range). Redirects are the implementation's job. */
export type FetchImpl = (url: string, headers: Record<string, string>) => Promise<HttpResponseLike>;

export interface CorpusFile {
  /** Path relative to `baseUrl` and to `dest`. */
  name: string;
  /** Expected sha256 (hex); when given, a mismatch is an error and the file is not kept. */
  sha256?: string;
}

export interface DownloadCorpusOptions {
  baseUrl: string;
  files: readonly CorpusFile[];
  dest: string;
  fetchImpl?: FetchImpl;
  /** Further attempts after a connection fails mid-file, each resuming from the bytes already on disk; default 3. */
  retries?: number;
  /** Socket idle timeout of the default fetcher, ms; default 30000. */
  timeoutMs?: number;
  /** Progress messages (one line each). */
  log?: (message: string) => void;
}

export type DownloadStatus = 'cached' | 'downloaded' | 'resumed';

export interface DownloadedFile {
  name: string;
  path: string;
  bytes: number;
  sha256: string;
  status: DownloadStatus;
}

/** A failure worth another attempt (connection dropped, short body, socket error). */
class RetryableError extends Error {}

const MAX_REDIRECTS = 5;

/** The default fetcher: Node's http/https `get`, following up to 5 redirects. */
export function nodeHttpFetch(timeoutMs = 30000): FetchImpl {
  const get = (url: string, headers: Record<string, string>, redirects: number): Promise<HttpResponseLike> =>
    new Promise((resolve, reject) => {
      const parsed = new URL(url);
      const client = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : undefined;
      if (client === undefined) {
        reject(new MtDataError(`unsupported URL protocol in ${url} (http and https only)`));
        return;
      }
      const req = client.get(parsed, { headers }, (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location !== undefined) {
          res.resume();
          if (redirects >= MAX_REDIRECTS) {
            reject(new MtDataError(`too many redirects fetching ${url}`));
            return;
          }
          resolve(get(new URL(location, url).toString(), headers, redirects + 1));
          return;
        }
        resolve({ statusCode: status, headers: res.headers, body: res });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new RetryableError(`no data for ${timeoutMs} ms from ${url}`)));
      req.on('error', (err) => reject(err instanceof MtDataError ? err : new RetryableError(err.message)));
    });
  return (url, headers) => get(url, headers, 0);
}

async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return undefined;
  }
}

/** sha256 (hex) of a file's bytes. */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function headerValue(headers: HttpResponseLike['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    for await (const _chunk of body) {
      /* discard */
    }
  } catch {
    /* ignore */
  }
}

/** One GET into `partPath`, appending when the server honours the Range request. Returns whether it resumed. */
async function fetchIntoPart(url: string, partPath: string, fetchImpl: FetchImpl, log: Logger): Promise<boolean> {
  const have = (await fileSize(partPath)) ?? 0;
  const res = await fetchImpl(url, have > 0 ? { Range: `bytes=${have}-` } : {});
  if (have > 0 && res.statusCode === 416) {
    await drain(res.body); // the part file already holds the whole resource; the checksum decides
    return true;
  }
  let append = false;
  let expectedTotal: number | undefined;
  const length = headerValue(res.headers, 'content-length');
  if (res.statusCode === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(headerValue(res.headers, 'content-range') ?? '');
    const start = range ? Number(range[1]) : -1;
    if (start !== have) {
      await drain(res.body);
      throw new MtDataError(`${url}: server answered a range starting at ${start}, expected ${have}`);
    }
    append = have > 0;
    if (range && range[3] !== '*') expectedTotal = Number(range[3]);
    else if (length !== undefined) expectedTotal = have + Number(length);
  } else if (res.statusCode === 200) {
    if (length !== undefined) expectedTotal = Number(length);
  } else {
    await drain(res.body);
    const message = `${url}: HTTP ${res.statusCode}`;
    if (res.statusCode >= 500) throw new RetryableError(message);
    throw new MtDataError(message);
  }
  // Opened and written synchronously: no await between the response and its chunks, so bytes that arrived before a
  // dropped connection are in the part file (an awaited open let the socket's error discard them first).
  const fd = openSync(partPath, append ? 'a' : 'w');
  let written = append ? have : 0;
  // A live bar on a terminal, a line every few seconds through `log` otherwise (core's progress settings; --quiet: none).
  const progress = startProgress(`download ${path.basename(partPath, '.part')}`, expectedTotal ?? 0, { log, unit: 'bytes' }, written);
  try {
    for await (const chunk of res.body) {
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
      written += chunk.length;
      progress.update(written);
    }
    progress.done();
  } catch (err) {
    throw new RetryableError(`connection lost after ${written} bytes: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
  if (expectedTotal !== undefined && written < expectedTotal) {
    throw new RetryableError(`connection closed after ${written} of ${expectedTotal} bytes`);
  }
  return append;
}

/**
 * Downloads corpus files into `dest`. Each file is written to `<file>.part`; an interrupted transfer is resumed
 * with an HTTP Range request (retried `retries` times here, and also by a later call), the sha256 is checked when
 * given (a mismatch deletes the download and throws), and the finished file is renamed into place atomically.
 * Files already present (with a matching checksum, when one is given) are not fetched again.
 */
export async function downloadCorpus(options: DownloadCorpusOptions): Promise<DownloadedFile[]> {
  const fetchImpl = options.fetchImpl ?? nodeHttpFetch(options.timeoutMs);
  const retries = options.retries ?? 3;
  const log = options.log ?? ((): void => undefined);
  const progressLog: Logger = { info: log, warn: log, debug: () => undefined };
  const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  const destRoot = path.resolve(options.dest);
  const results: DownloadedFile[] = [];
  for (const file of options.files) {
    const target = path.resolve(destRoot, file.name);
    if (!target.startsWith(destRoot + path.sep)) {
      throw new MtDataError(`corpus file name "${file.name}" escapes the destination ${destRoot}`);
    }
    const expected = file.sha256?.toLowerCase();
    ensureDir(path.dirname(target)); // not fs.mkdir({ recursive }), which spins forever under /proc

    const existing = await fileSize(target);
    if (existing !== undefined) {
      const digest = await sha256File(target);
      if (expected === undefined || digest === expected) {
        results.push({ name: file.name, path: target, bytes: existing, sha256: digest, status: 'cached' });
        continue;
      }
      log(`${target}: checksum differs from the expected one, fetching it again`);
    }

    const url = new URL(file.name, base).toString();
    const partPath = `${target}.part`;
    let resumed = false;
    for (let attempt = 0; ; attempt++) {
      try {
        resumed = (await fetchIntoPart(url, partPath, fetchImpl, progressLog)) || resumed;
        break;
      } catch (err) {
        if (!(err instanceof RetryableError)) throw err;
        const kept = (await fileSize(partPath)) ?? 0;
        if (attempt >= retries) {
          throw new MtDataError(
            `download of ${url} failed after ${attempt + 1} attempt(s): ${err.message}; ` +
              `${kept} bytes kept in ${partPath}, call again to resume`,
          );
        }
        log(`${url}: ${err.message}; resuming from byte ${kept}`);
      }
    }
    const digest = await sha256File(partPath);
    if (expected !== undefined && digest !== expected) {
      await fs.rm(partPath, { force: true });
      throw new MtDataError(
        `checksum mismatch for ${file.name} from ${url}: expected sha256 ${expected}, got ${digest}; the file was not kept`,
      );
    }
    await fs.rename(partPath, target);
    const bytes = (await fileSize(target)) ?? 0;
    log(`${target}: ${bytes} bytes${resumed ? ' (resumed)' : ''}`);
    results.push({ name: file.name, path: target, bytes, sha256: digest, status: resumed ? 'resumed' : 'downloaded' });
  }
  return results;
}
