import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, createMemoryLogger, readSummary } from '@kt/core';
import { SweepOptionsSchema } from '../../src/commands/sweep-command';
import { downloadRun, parseStoreUrl, readSnapshot, RunUploader, S3ObjectStore, s3Settings, SNAPSHOT_OBJECT, type ObjectStore } from '../../src/sweep/run-store';
import { readSweepManifest } from '../../src/sweep/sweep-manifest';
import { queueCounts, queueSweepCommand } from '../../src/sweep/sweep-queue';
import { sweepJobs } from '../../src/sweep/sweep-runner';
import { KT_BIN, removeTmpDirs, tmpDir, toyCatalog, writeToyConfig } from '../helpers';
import { availableS3Server, exited, findBinary, freePort, startRedisServer, startS3Server, waitFor, type TestS3Server } from './test-servers';

/** A real S3-compatible server: moto's moto_server when installed, else the npm s3rver dev dependency; the tests skip without either. */
const s3Server = availableS3Server();
const redisServer = findBinary('redis-server', [process.env['KT_REDIS_SERVER'], '/usr/bin/redis-server', '/usr/sbin/redis-server']);
if (!s3Server) console.warn('kt sweep --store tests skipped: no S3-compatible server (npm ci installs s3rver; or apt-get install -y python3-moto, or set KT_MOTO_SERVER)');
if (s3Server && !redisServer) console.warn('kt sweep --store with workers skipped: no redis-server binary (apt-get install -y redis-server, or set KT_REDIS_SERVER)');
const describeWithS3 = s3Server ? describe : describe.skip;
const itWithRedis = redisServer ? it : it.skip;

const BUCKET = 'kt-sweeps';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'kt-test', AWS_SECRET_ACCESS_KEY: 'kt-test-secret', AWS_REGION: 'us-east-1' };

describe('object store settings (no server needed)', () => {
  it('parses s3:// URLs and names the flag when one is wrong', () => {
    expect(parseStoreUrl('s3://kt-sweeps/lr/div/')).toEqual({ url: 's3://kt-sweeps/lr/div/', bucket: 'kt-sweeps', prefix: 'lr/div' });
    expect(parseStoreUrl('s3://kt-sweeps')).toMatchObject({ bucket: 'kt-sweeps', prefix: '' });
    expect(() => parseStoreUrl('s3://Bad_Bucket/x')).toThrow(/--store s3:\/\/Bad_Bucket\/x: expected s3:\/\/bucket\/prefix/);
    expect(() => parseStoreUrl('s3://kt-sweeps/a/../b')).toThrow(ConfigError);
    expect(() => SweepOptionsSchema.parse({ store: 'http://x' })).toThrow(/expected s3:\/\/bucket\/prefix/);
  });

  it('takes the endpoint from the flag or env and the credentials from env, naming what is missing', () => {
    expect(s3Settings({ ...CREDENTIALS, KT_S3_ENDPOINT: 'http://10.0.0.5:9000' })).toEqual({ endPoint: '10.0.0.5', port: 9000, useSSL: false, accessKey: 'kt-test', secretKey: 'kt-test-secret', region: 'us-east-1' });
    expect(s3Settings({ ...CREDENTIALS, KT_S3_ENDPOINT: 'http://10.0.0.5:9000' }, 'https://s3.example.org')).toMatchObject({ endPoint: 's3.example.org', useSSL: true });
    expect(s3Settings({ ...CREDENTIALS, AWS_REGION: 'eu-west-1' })).toMatchObject({ endPoint: 's3.eu-west-1.amazonaws.com', useSSL: true });
    expect(() => s3Settings({ AWS_SECRET_ACCESS_KEY: 'x' })).toThrow(/set AWS_ACCESS_KEY_ID/);
    expect(() => s3Settings({ AWS_ACCESS_KEY_ID: 'x' })).toThrow(/set AWS_SECRET_ACCESS_KEY/);
    expect(() => s3Settings(CREDENTIALS, 'ftp://x')).toThrow(/expected http:\/\/ or https:\/\//);
  });
});

describeWithS3(`kt sweep --store on a real S3-compatible server (${s3Server?.kind})`, () => {
  let server: TestS3Server | undefined;
  let redis: ChildProcess | undefined;
  const workers: { child: ChildProcess; text: () => string }[] = [];

  const open = (url: string): Promise<S3ObjectStore> => S3ObjectStore.open(url, s3Settings({ ...server!.credentials, KT_S3_ENDPOINT: server!.endpoint }));

  beforeAll(async () => {
    server = await startS3Server(s3Server!, BUCKET);
  }, 90_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => exited(w.child)));
    redis?.kill('SIGTERM');
    await server?.stop();
    removeTmpDirs();
  });

  it('a missing bucket is a config error naming it', async () => {
    await expect(open('s3://no-such-bucket/x')).rejects.toThrow(/bucket no-such-bucket does not exist/);
  });

  it('uploads a run through temp keys and a snapshot commit, drops replaced checkpoints, and downloads exactly the snapshot', async () => {
    const store: ObjectStore = await open(`s3://${BUCKET}/unit`);
    const run = tmpDir('kt-store-run-');
    const write = (rel: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(run, rel)), { recursive: true });
      fs.writeFileSync(path.join(run, rel), text);
    };
    write('config.json', '{"a":1}');
    write('metrics.jsonl', '{"step":1}\n');
    write('run.lock', '{"pid":1}');
    write('.config.json.tmp-1-2', 'half');
    write('checkpoints/step-00000001/state.json', '{"step":1}');
    write('checkpoints/latest.json', '{"checkpoint":"step-00000001"}');
    // A temp object a killed uploader left behind: the run's next owner removes it.
    await store.putText('unit/r1/.upload-dead/metrics.jsonl', 'half');
    const up = new RunUploader(store, 'unit/r1', run);
    expect(await up.sync()).toBe(4);
    // Content-addressed objects (`objects/<path>@<sha256>`), never replaced; shown here by path.
    const keys = async (): Promise<string[]> =>
      (await store.list('unit/r1/')).map((o) => o.key.slice('unit/r1/'.length).replace(/^objects\//, '').replace(/@[0-9a-f]{16}$/, '')).sort();
    expect(await keys()).toEqual([SNAPSHOT_OBJECT, 'checkpoints/latest.json', 'checkpoints/step-00000001/state.json', 'config.json', 'metrics.jsonl']);
    // Unchanged files are not sent again; a replaced checkpoint leaves the store after the snapshot that drops it.
    expect(await up.sync()).toBe(0);
    fs.rmSync(path.join(run, 'checkpoints', 'step-00000001'), { recursive: true });
    write('checkpoints/step-00000002/state.json', '{"step":2}');
    write('checkpoints/latest.json', '{"checkpoint":"step-00000002"}');
    fs.appendFileSync(path.join(run, 'metrics.jsonl'), '{"step":2}\n');
    expect(await up.sync()).toBe(3);
    expect(await keys()).toEqual([SNAPSHOT_OBJECT, 'checkpoints/latest.json', 'checkpoints/step-00000002/state.json', 'config.json', 'metrics.jsonl']);

    const copy = path.join(tmpDir('kt-store-dl-'), 'r1');
    expect(await downloadRun(store, 'unit/r1', copy)).toBe(true);
    expect(fs.readFileSync(path.join(copy, 'metrics.jsonl'), 'utf8')).toBe('{"step":1}\n{"step":2}\n');
    expect(fs.readFileSync(path.join(copy, 'checkpoints', 'step-00000002', 'state.json'), 'utf8')).toBe('{"step":2}');
    expect(fs.existsSync(path.join(copy, 'run.lock'))).toBe(false);
    const results = path.join(tmpDir('kt-store-dl-'), 'r1');
    expect(await downloadRun(store, 'unit/r1', results, (rel) => rel.startsWith('checkpoints/'))).toBe(true);
    expect(fs.readdirSync(results).sort()).toEqual(['config.json', 'metrics.jsonl']);
    expect(await downloadRun(store, 'unit/never-uploaded', path.join(results, 'x'))).toBe(false);
  });

  itWithRedis(
    'two workers keep the runs in the store; a killed worker’s run resumes from the checkpoint in the store; the sweep reads the results from it',
    async () => {
      const redisPort = await freePort();
      redis = await startRedisServer(redisServer!, redisPort);
      const url = `redis://127.0.0.1:${redisPort}`;
      const dir = tmpDir('kt-store-sweep-');
      const config = writeToyConfig(dir, { train: { steps: 1200, batchSize: 16, lr: 0.05, seed: 3, evalEvery: 600, checkpointEvery: 100, logEvery: 100 } });
      const storeUrl = `s3://${BUCKET}/sweeps/toy`;
      const env: NodeJS.ProcessEnv = { ...process.env, ...server!.credentials, KT_S3_ENDPOINT: server!.endpoint, KT_BACKEND: 'cpu' };
      delete env['KT_PLUGINS'];
      delete env['KT_DEBUG'];
      const startWorker = (name: string): { child: ChildProcess; text: () => string } => {
        const child = spawn(process.execPath, [KT_BIN, 'worker', '--queue', url, '--stall-seconds', '2', '--sync-seconds', '0.2', '--work-dir', path.join(dir, `work-${name}`)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let text = '';
        child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
        child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
        const w = { child, text: () => text };
        workers.push(w);
        return w;
      };
      const a = startWorker('a');
      const b = startWorker('b');
      await waitFor(() => a.text().includes('taking runs') && b.text().includes('taking runs'), 120_000, 'the workers to connect');

      const out = path.join(dir, 'sweep');
      const options = SweepOptionsSchema.parse({ grid: ['transfer.divergence=forward,backward'], out, queue: url, store: storeUrl });
      const sweep = queueSweepCommand(config, options, { catalog: toyCatalog(), cwd: dir, env, log: createMemoryLogger(), pollMs: 200 });

      // Worker a starts a run in its own work directory; once a checkpoint of it has reached the store, a is killed.
      const store = await open(storeUrl);
      let runOfA = '';
      await waitFor(
        async () => {
          const m = /: starting \S+ \(store s3:\/\/kt-sweeps\/sweeps\/toy\/(\S+)\)/.exec(a.text());
          if (m) runOfA = m[1]!;
          if (runOfA === '') return false;
          return (await readSnapshot(store, `sweeps/toy/${runOfA}`))?.files['checkpoints/latest.json'] !== undefined;
        },
        240_000,
        'a checkpoint of worker a’s run in the store',
      );
      a.child.kill('SIGKILL');
      await exited(a.child);
      const pointer = (await readSnapshot(store, `sweeps/toy/${runOfA}`))!.files['checkpoints/latest.json']!.object;
      const stored = JSON.parse((await store.getText(`sweeps/toy/${runOfA}/${pointer}`))!) as { step: number };
      expect(stored.step).toBeLessThan(1200);

      const result = await sweep;
      expect(result.failed).toBe(0);
      // The sweep directory never held a running run: its copies come from the store (results only, no checkpoints).
      const jobs = sweepJobs(out, readSweepManifest(out));
      expect(jobs.map((j) => readSummary(j.runDir)?.status)).toEqual(['completed', 'completed']);
      for (const j of jobs) expect(fs.existsSync(path.join(j.runDir, 'checkpoints'))).toBe(false);

      // b resumed a's run from the store's checkpoint, not from scratch; the metrics read as one uninterrupted run.
      expect(b.text()).toMatch(new RegExp(`resuming \\S+ \\(store ${storeUrl.replace(/[/.]/g, '\\$&')}/${runOfA}\\)`));
      const metricsOfA = jobs.find((j) => path.basename(j.runDir) === runOfA)!;
      const trainSteps = fs
        .readFileSync(path.join(metricsOfA.runDir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { split: string; step: number })
        .filter((l) => l.split === 'train')
        .map((l) => l.step);
      expect(trainSteps).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) * 100));
      const all = `${a.text()}\n${b.text()}`;
      for (const j of jobs) expect(all.split('\n').filter((l) => l.includes(': completed (') && l.includes(path.basename(j.runDir)))).toHaveLength(1);
      // No temp objects are left behind.
      expect((await store.list('sweeps/toy/')).filter((o) => o.key.includes('/.upload-'))).toEqual([]);
      expect(await queueCounts(url, out)).toEqual({ queued: 0, running: 0, done: 2, failed: 0 });
      expect(result.table).toContain('transfer.divergence=backward');
    },
    // Two workers training on a machine shared with other jobs: minutes, not seconds.
    900_000,
  );
});
