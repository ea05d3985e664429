import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Readable } from 'stream';
import { ConfigError, ensureDir } from '@kt/core';

/** Where a sweep keeps its files in object storage: `s3://bucket/prefix`. */
export interface StoreLocation {
  url: string;
  bucket: string;
  /** Key prefix without a trailing slash ('' for the bucket's root). */
  prefix: string;
}

/** `s3://bucket/some/prefix` → bucket and prefix; anything else is a ConfigError naming the flag. */
export function parseStoreUrl(url: string, flag = '--store'): StoreLocation {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(url);
  if (!m) throw new ConfigError(`${flag} ${url}: expected s3://bucket/prefix (a bucket name of 3-63 lower-case letters, digits, dots or hyphens)`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((p) => p === '.' || p === '..')) throw new ConfigError(`${flag} ${url}: the prefix may not contain . or .. parts`);
  return { url, bucket: m[1]!, prefix };
}

/** `prefix/rel` (no leading slash when the prefix is empty). */
export function storeKey(location: StoreLocation, rel: string): string {
  const clean = rel.split(path.sep).join('/');
  return location.prefix ? `${location.prefix}/${clean}` : clean;
}

/** How to reach an S3-compatible server. */
export interface S3Settings {
  endPoint: string;
  port?: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  region: string;
}

/**
 * The S3 endpoint and credentials: the endpoint from `--s3-endpoint` or env KT_S3_ENDPOINT /
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (default AWS itself, https://s3.<region>.amazonaws.com);
 * credentials from env AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (never flags: a command line is
 * visible to every user of the machine); region from AWS_REGION (default us-east-1).
 */
export function s3Settings(env: NodeJS.ProcessEnv, endpointFlag?: string): S3Settings {
  const region = env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || 'us-east-1';
  const raw = endpointFlag || env['KT_S3_ENDPOINT'] || env['AWS_ENDPOINT_URL_S3'] || env['AWS_ENDPOINT_URL'] || `https://s3.${region}.amazonaws.com`;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`S3 endpoint ${raw} (--s3-endpoint or KT_S3_ENDPOINT): expected a URL such as http://127.0.0.1:9000`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`S3 endpoint ${raw}: expected http:// or https://`);
  const accessKey = env['AWS_ACCESS_KEY_ID'];
  const secretKey = env['AWS_SECRET_ACCESS_KEY'];
  if (!accessKey) throw new ConfigError('S3 storage needs credentials: set AWS_ACCESS_KEY_ID (and AWS_SECRET_ACCESS_KEY)');
  if (!secretKey) throw new ConfigError('S3 storage needs credentials: set AWS_SECRET_ACCESS_KEY (and AWS_ACCESS_KEY_ID)');
  return { endPoint: u.hostname, ...(u.port ? { port: Number(u.port) } : {}), useSSL: u.protocol === 'https:', accessKey, secretKey, region };
}

/** What kt needs of an object store. */
export interface ObjectStore {
  readonly location: StoreLocation;
  putFile(key: string, file: string): Promise<void>;
  putText(key: string, text: string): Promise<void>;
  /** Writes the object to `file`; false when there is no such object. */
  getFile(key: string, file: string): Promise<boolean>;
  getText(key: string): Promise<string | undefined>;
  copy(from: string, to: string): Promise<void>;
  remove(keys: readonly string[]): Promise<void>;
  /** Objects under `prefix` (recursive), with their sizes. */
  list(prefix: string): Promise<{ key: string; size: number }[]>;
}

type MinioClient = import('minio').Client;

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchObject';
}

/** An ObjectStore on an S3-compatible server through the `minio` client (AWS S3, MinIO, Ceph, moto…). */
export class S3ObjectStore implements ObjectStore {
  private constructor(
    readonly location: StoreLocation,
    private readonly client: MinioClient,
  ) {}

  /** Connects and checks that the bucket exists (a missing bucket is a ConfigError naming it). */
  static async open(url: string, settings: S3Settings, flag = '--store'): Promise<S3ObjectStore> {
    const location = parseStoreUrl(url, flag);
    // Loaded on use: commands without a store do not pay for it.
    const { Client } = require('minio') as typeof import('minio');
    const client = new Client({ ...settings, pathStyle: true });
    let exists: boolean;
    try {
      exists = await client.bucketExists(location.bucket);
    } catch (err) {
      throw new ConfigError(`${flag} ${url}: cannot reach the S3 endpoint ${settings.useSSL ? 'https' : 'http'}://${settings.endPoint}${settings.port ? `:${settings.port}` : ''}: ${(err as Error).message}`);
    }
    if (!exists) throw new ConfigError(`${flag} ${url}: bucket ${location.bucket} does not exist (create it first, e.g. aws s3 mb s3://${location.bucket})`);
    return new S3ObjectStore(location, client);
  }

  async putFile(key: string, file: string): Promise<void> {
    await this.client.fPutObject(this.location.bucket, key, file);
  }

  async putText(key: string, text: string): Promise<void> {
    await this.client.putObject(this.location.bucket, key, Buffer.from(text, 'utf8'));
  }

  async getFile(key: string, file: string): Promise<boolean> {
    const bytes = await this.getBytes(key);
    if (bytes === undefined) return false;
    ensureDir(path.dirname(file));
    fs.writeFileSync(file, bytes);
    return true;
  }

  async getText(key: string): Promise<string | undefined> {
    return (await this.getBytes(key))?.toString('utf8');
  }

  private async getBytes(key: string): Promise<Buffer | undefined> {
    let stream: Readable;
    try {
      stream = await this.client.getObject(this.location.bucket, key);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async copy(from: string, to: string): Promise<void> {
    const { CopyDestinationOptions, CopySourceOptions } = require('minio') as typeof import('minio');
    await this.client.copyObject(new CopySourceOptions({ Bucket: this.location.bucket, Object: from }), new CopyDestinationOptions({ Bucket: this.location.bucket, Object: to }));
  }

  async remove(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.client.removeObjects(this.location.bucket, [...keys]);
  }

  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    const out: { key: string; size: number }[] = [];
    const stream = this.client.listObjectsV2(this.location.bucket, prefix, true);
    for await (const item of stream as AsyncIterable<{ name?: string; size?: number }>) if (item.name) out.push({ key: item.name, size: item.size ?? 0 });
    return out;
  }
}

/** The object that commits a run's upload: the files of the last complete snapshot and the objects holding them. */
export const SNAPSHOT_OBJECT = '.kt-snapshot.json';

export interface RunSnapshot {
  format: 'kt-run-snapshot/2';
  /** Relative path → the object (under the run's key) with its content, and its size. */
  files: Record<string, { object: string; size: number }>;
  at: string;
}

/** Files of a run directory that are uploaded: everything but the run lock and temp/hidden entries. */
function runFiles(dir: string, rel = ''): string[] {
  const here = path.join(dir, rel);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(here, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.name.startsWith('.') && !(rel === '' && e.name === 'run.lock'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? runFiles(dir, path.join(rel, e.name)) : e.isFile() ? [path.join(rel, e.name)] : []));
}

/**
 * Copies the run's files into `staging` as one consistent local snapshot: `checkpoints/latest.json`
 * first, then everything else; the checkpoint it names must be there whole (a run keeps its last two
 * checkpoints, so a retry after a rotation succeeds). Returns the relative paths staged.
 */
function stageRun(dir: string, staging: string): string[] {
  for (let attempt = 0; attempt < 5; attempt++) {
    fs.rmSync(staging, { recursive: true, force: true });
    const names = runFiles(dir);
    const ordered = [...names.filter((n) => n === path.join('checkpoints', 'latest.json')), ...names.filter((n) => n !== path.join('checkpoints', 'latest.json'))];
    const staged: string[] = [];
    for (const rel of ordered) {
      try {
        ensureDir(path.dirname(path.join(staging, rel)));
        fs.copyFileSync(path.join(dir, rel), path.join(staging, rel));
        staged.push(rel);
      } catch {
        // removed meanwhile (an old checkpoint)
      }
    }
    const pointer = path.join(staging, 'checkpoints', 'latest.json');
    if (!fs.existsSync(pointer)) return staged;
    try {
      const name = (JSON.parse(fs.readFileSync(pointer, 'utf8')) as { checkpoint?: string }).checkpoint;
      if (typeof name === 'string' && fs.existsSync(path.join(staging, 'checkpoints', name, 'state.json'))) return staged;
    } catch {
      // a pointer being rewritten: stage again
    }
  }
  throw new Error(`${dir}: could not stage a consistent copy of the run (checkpoints changing too fast)`);
}

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Uploads a run directory to `<key>/…` as it grows. Each pass stages a consistent local copy (the
 * latest checkpoint whole), uploads each new file content to a temp key and copies it to its own
 * content-addressed object (`<key>/objects/<path>@<sha256>`: an object is never replaced, so a
 * reader never sees a half-written or mixed state), then writes the snapshot object mapping paths
 * to objects (the commit point: a download takes exactly the files of one snapshot). Objects no
 * snapshot uses any more (old checkpoints, older metrics) and temp objects a killed worker left are
 * removed after the commit.
 */
export class RunUploader {
  private listed: Set<string> | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: ObjectStore,
    private readonly key: string,
    private readonly dir: string,
  ) {}

  /** One upload pass (passes never overlap: a call waits for the one before it); resolves to the objects uploaded. */
  sync(): Promise<number> {
    const next = this.chain.then(() => this.pass());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async pass(): Promise<number> {
    const staging = path.join(this.dir, `.kt-upload-${process.pid}`);
    try {
      const staged = stageRun(this.dir, staging);
      // Objects already in the store (read once; kept up to date by this uploader, the run's only writer).
      this.listed ??= new Set((await this.store.list(`${this.key}/`)).map((o) => o.key.slice(this.key.length + 1)));
      const files: RunSnapshot['files'] = {};
      let uploaded = 0;
      for (const rel of staged) {
        const file = path.join(staging, rel);
        const name = rel.split(path.sep).join('/');
        const object = `objects/${name}@${sha256File(file).slice(0, 16)}`;
        if (!this.listed.has(object)) {
          const temp = `${this.key}/.upload-${crypto.randomBytes(6).toString('hex')}`;
          await this.store.putFile(temp, file);
          await this.store.copy(temp, `${this.key}/${object}`);
          await this.store.remove([temp]);
          this.listed.add(object);
          uploaded += 1;
        }
        files[name] = { object, size: fs.statSync(file).size };
      }
      const snapshot: RunSnapshot = { format: 'kt-run-snapshot/2', files, at: new Date().toISOString() };
      const temp = `${this.key}/.upload-${crypto.randomBytes(6).toString('hex')}`;
      await this.store.putText(temp, JSON.stringify(snapshot));
      await this.store.copy(temp, `${this.key}/${SNAPSHOT_OBJECT}`);
      await this.store.remove([temp]);
      const used = new Set([SNAPSHOT_OBJECT, ...Object.values(files).map((f) => f.object)]);
      const gone = [...this.listed].filter((n) => !used.has(n));
      await this.store.remove(gone.map((n) => `${this.key}/${n}`));
      this.listed = used;
      return uploaded;
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
}

/** The last committed snapshot of the run at `key`, or undefined when it was never uploaded. */
export async function readSnapshot(store: ObjectStore, key: string): Promise<RunSnapshot | undefined> {
  const text = await store.getText(`${key}/${SNAPSHOT_OBJECT}`);
  if (text === undefined) return undefined;
  const snapshot = JSON.parse(text) as RunSnapshot;
  if (snapshot.format !== 'kt-run-snapshot/2' || typeof snapshot.files !== 'object') throw new Error(`${key}/${SNAPSHOT_OBJECT}: not a kt run snapshot`);
  return snapshot;
}

/** A file the snapshot lists is not (yet, or no longer) in the store: the run is being uploaded meanwhile. */
class SnapshotMoved extends Error {}

/**
 * Downloads the last committed snapshot of the run at `key` into `dir` (replacing what is there);
 * `skip` leaves files out (e.g. checkpoints, when only the results are wanted). False when the run
 * has never been uploaded. A listed file missing from the store (a newer upload replacing it, on a
 * server where a replacement is not atomic) makes it read the snapshot again, up to `attempts` times.
 */
export async function downloadRun(store: ObjectStore, key: string, dir: string, skip: (rel: string) => boolean = () => false, attempts = 10): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await downloadSnapshot(store, key, dir, skip);
    } catch (err) {
      if (!(err instanceof SnapshotMoved) || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

async function downloadSnapshot(store: ObjectStore, key: string, dir: string, skip: (rel: string) => boolean): Promise<boolean> {
  const snapshot = await readSnapshot(store, key);
  if (!snapshot) return false;
  const staging = `${dir}.download-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    for (const [name, { object }] of Object.entries(snapshot.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (skip(name)) continue;
      if (name.split('/').some((p) => p === '..' || p === '' || p === '.')) throw new Error(`${key}/${SNAPSHOT_OBJECT} lists an unsafe path ${name}`);
      // A newer snapshot may have replaced this one and its objects meanwhile: read the snapshot again.
      if (!(await store.getFile(`${key}/${object}`, path.join(staging, ...name.split('/'))))) throw new SnapshotMoved(`${key}/${object} (${name}) is listed in the run's snapshot but missing from the store`);
    }
    ensureDir(staging);
    fs.rmSync(dir, { recursive: true, force: true });
    ensureDir(path.dirname(dir));
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return true;
}
