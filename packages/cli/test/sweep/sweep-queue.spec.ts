import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createMemoryLogger, readSummary } from '@kt/core';
import { SweepOptionsSchema } from '../../src/commands/sweep-command';
import { readSweepManifest } from '../../src/sweep/sweep-manifest';
import { queueCounts, queueSweepCommand, redisConnection } from '../../src/sweep/sweep-queue';
import { sweepJobs } from '../../src/sweep/sweep-runner';
import { KT_BIN, removeTmpDirs, tmpDir, toyCatalog, writeToyConfig } from '../helpers';
import { findBinary, freePort, waitFor } from './test-servers';

/** Debian's redis-server (or KT_REDIS_SERVER); the queue tests skip without it. */
function findRedisServer(): string | undefined {
  return findBinary('redis-server', [process.env['KT_REDIS_SERVER'], '/usr/bin/redis-server', '/usr/local/bin/redis-server', '/usr/sbin/redis-server']);
}

const redisServer = findRedisServer();
if (!redisServer) console.warn('kt sweep --queue tests skipped: no redis-server binary (apt-get install -y redis-server, or set KT_REDIS_SERVER)');
const describeWithRedis = redisServer ? describe : describe.skip;

interface Proc {
  child: ChildProcess;
  stderr: () => string;
}

function startWorker(url: string, cwd: string): Proc {
  const env: NodeJS.ProcessEnv = { ...process.env, KT_BACKEND: 'cpu' };
  delete env['KT_PLUGINS'];
  delete env['KT_DEBUG'];
  const child = spawn(process.execPath, [KT_BIN, 'worker', '--queue', url, '--stall-seconds', '2'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  return { child, stderr: () => text };
}

function exited(p: Proc): Promise<void> {
  return p.child.exitCode !== null || p.child.signalCode !== null ? Promise.resolve() : new Promise((r) => p.child.once('close', () => r()));
}

describeWithRedis('kt sweep --queue with kt worker on a real redis-server', () => {
  let redis: ChildProcess;
  let url: string;
  const workers: Proc[] = [];

  beforeAll(async () => {
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = spawn(redisServer!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    redis.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('Ready to accept connections'), 15_000, 'redis-server to start');
  });

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map(exited));
    redis?.kill('SIGTERM');
    removeTmpDirs();
  });

  it('parses redis URLs', () => {
    expect(redisConnection('redis://10.0.0.5:6380/2')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(() => redisConnection('http://x')).toThrow(/expected redis:\/\/host:port/);
  });

  it('two workers share the runs; a killed worker’s run resumes from its checkpoint on the other, and nothing completes twice', async () => {
    const dir = tmpDir('kt-queue-');
    const config = writeToyConfig(dir, { train: { steps: 1200, batchSize: 16, lr: 0.05, seed: 3, evalEvery: 600, checkpointEvery: 100, logEvery: 100 } });
    const out = path.join(dir, 'sweep');
    const a = startWorker(url, dir);
    const b = startWorker(url, dir);
    workers.push(a, b);
    await waitFor(() => a.stderr().includes('taking runs') && b.stderr().includes('taking runs'), 30_000, 'the workers to connect');

    const options = SweepOptionsSchema.parse({ grid: ['transfer.divergence=forward,backward'], out, queue: url });
    const log = createMemoryLogger();
    const sweep = queueSweepCommand(config, options, { catalog: toyCatalog(), cwd: dir, env: process.env, log, pollMs: 200 });

    // Worker a starts a run; once that run has a checkpoint, a is killed (no chance to clean up).
    let runOfA = '';
    await waitFor(() => {
      const m = /: starting (\S+)/.exec(a.stderr());
      if (m) runOfA = m[1]!;
      return runOfA !== '' && fs.existsSync(path.join(runOfA, 'checkpoints', 'latest.json'));
    }, 60_000, 'worker a to checkpoint its run');
    a.child.kill('SIGKILL');
    await exited(a);
    const stepAtKill = JSON.parse(fs.readFileSync(path.join(runOfA, 'checkpoints', 'latest.json'), 'utf8')).step as number;
    expect(stepAtKill).toBeLessThan(1200);

    const result = await sweep;
    expect(result.failed).toBe(0);
    const manifest = readSweepManifest(out);
    const jobs = sweepJobs(out, manifest);
    expect(jobs.map((j) => readSummary(j.runDir)?.status)).toEqual(['completed', 'completed']);

    // b resumed a's run from its checkpoint (taking over the dead worker's run lock), not from scratch.
    const logB = b.stderr();
    expect(logB).toContain(`resuming ${runOfA}`);
    expect(logB).toMatch(/took over the lock of run/);
    const trainSteps = fs
      .readFileSync(path.join(runOfA, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.split === 'train')
      .map((l) => l.step as number);
    expect(trainSteps).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) * 100));
    // Each run completed exactly once, across both workers.
    const all = `${a.stderr()}\n${logB}`;
    for (const j of jobs) expect(all.split('\n').filter((l) => l.includes(`completed (${j.runDir})`))).toHaveLength(1);
    expect(a.stderr()).not.toContain(`completed (${runOfA})`);

    expect(await queueCounts(url, out)).toEqual({ queued: 0, running: 0, done: 2, failed: 0 });
    expect(result.table).toContain('transfer.divergence=backward');
  }, 180_000);
});
