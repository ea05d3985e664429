import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** The first of `candidates` that exists, or a `name` found on PATH. */
export function findBinary(name: string, candidates: readonly (string | undefined)[]): string | undefined {
  const onPath = (process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, name));
  return [...candidates, ...onPath].find((c): c is string => c !== undefined && c !== '' && fs.existsSync(c));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 100 ms until it holds, rejecting after `timeoutMs` with `what` in the message. */
export function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = async (): Promise<void> => {
      let ok = false;
      try {
        ok = await check();
      } catch {
        ok = false;
      }
      if (ok) resolve();
      else if (Date.now() - t0 > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(() => void tick(), 100);
    };
    void tick();
  });
}

/** Resolves true when an HTTP GET of `url` gets any response. */
export function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** Starts moto's S3-compatible server on 127.0.0.1:port; resolves once it answers. */
export async function startMotoServer(binary: string, port: number): Promise<ChildProcess> {
  const child = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  try {
    await waitFor(() => child.exitCode === null && answers(`http://127.0.0.1:${port}/`), 60_000, 'moto_server to start');
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}: ${err.slice(-2000)}`);
  }
  return child;
}

/** Starts redis-server on 127.0.0.1:port without persistence; resolves once it is ready. */
export async function startRedisServer(binary: string, port: number): Promise<ChildProcess> {
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('Ready to accept connections'), 15_000, 'redis-server to start');
  return child;
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('close', () => r()));
}

/** A running S3-compatible server for tests: its endpoint, credentials it accepts, and how to stop it. */
export interface TestS3Server {
  kind: 'moto_server' | 's3rver';
  endpoint: string;
  port: number;
  credentials: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_REGION: string };
  stop(): Promise<void>;
}

/**
 * Which S3-compatible server the tests can start: moto's `moto_server` (Debian 13 python3-moto, or
 * KT_MOTO_SERVER) when installed, else the npm `s3rver` dev dependency; env KT_S3_TEST_SERVER=moto_server|s3rver
 * picks one. Undefined (the tests skip) when neither is there.
 */
export function availableS3Server(): { kind: TestS3Server['kind']; binary?: string } | undefined {
  const wanted = process.env['KT_S3_TEST_SERVER'];
  const moto = findBinary('moto_server', [process.env['KT_MOTO_SERVER'], '/usr/bin/moto_server']);
  let s3rver = false;
  try {
    require.resolve('s3rver');
    s3rver = true;
  } catch {
    s3rver = false;
  }
  if (wanted === 's3rver') return s3rver ? { kind: 's3rver' } : undefined;
  if (wanted === 'moto_server') return moto ? { kind: 'moto_server', binary: moto } : undefined;
  if (moto) return { kind: 'moto_server', binary: moto };
  return s3rver ? { kind: 's3rver' } : undefined;
}

/** Starts the server `availableS3Server` chose on 127.0.0.1 on a free port, with an empty bucket `bucket`. */
export async function startS3Server(choice: { kind: TestS3Server['kind']; binary?: string }, bucket: string): Promise<TestS3Server> {
  if (choice.kind === 's3rver') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-s3rver-'));
    // A dev dependency without types, loaded only here.
    const S3rver = require('s3rver') as new (o: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
    const { port } = await server.run();
    return {
      kind: 's3rver',
      endpoint: `http://127.0.0.1:${port}`,
      port,
      // s3rver checks signatures made with its one built-in key pair.
      credentials: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
      stop: async () => {
        await server.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const port = await freePort();
  const child = await startMotoServer(choice.binary!, port);
  const credentials = { AWS_ACCESS_KEY_ID: 'kt-test', AWS_SECRET_ACCESS_KEY: 'kt-test-secret', AWS_REGION: 'us-east-1' };
  const { Client } = await import('minio');
  await new Client({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: credentials.AWS_ACCESS_KEY_ID, secretKey: credentials.AWS_SECRET_ACCESS_KEY, region: 'us-east-1', pathStyle: true }).makeBucket(bucket, 'us-east-1');
  return {
    kind: 'moto_server',
    endpoint: `http://127.0.0.1:${port}`,
    port,
    credentials,
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}
