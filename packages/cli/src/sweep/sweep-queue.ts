import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ConnectionOptions, Job, Queue } from 'bullmq';
import { ConfigError, ensureDir, type Logger } from '@kt/core';
import { formatTable } from '../format';
import type { PluginCatalog } from '../plugin-catalog';
import { runCommand, RunOptionsSchema } from '../commands/run-command';
import type { SweepOptions } from '../commands/sweep-command';
import { prepareSweep } from '../commands/sweep-command';
import { downloadRun, RunUploader, S3ObjectStore, s3Settings, storeKey, type ObjectStore } from './run-store';
import { readSweepManifest, SWEEP_MANIFEST, type SweepManifest } from './sweep-manifest';
import { clearBrokenRun, ktArgsFor, sweepJobs, sweepRunState, type SweepJob } from './sweep-runner';
import { compareSweep } from './sweep-table';

/** The one BullMQ queue kt's sweeps put their runs on and `kt worker` takes them from. */
export const KT_QUEUE = 'kt-runs';

/** What a job carries: where its sweep and run are (a directory every worker sees). */
export interface SweepJobData {
  sweepDir: string;
  cellId: string;
  seed: number;
  runDir: string;
  /** With object storage: the sweep's `s3://bucket/prefix`; workers then read and write runs there, not in `sweepDir`. */
  store?: string;
}

/** `redis://host:port[/db]` as ioredis connection options (BullMQ workers need maxRetriesPerRequest null). */
export function redisConnection(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`--queue ${url}: expected redis://host:port`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError(`--queue ${url}: expected redis://host:port`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new ConfigError(`--queue ${url}: the database must be a number, e.g. redis://host:6379/0`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** BullMQ, loaded when a queue is used (it takes a second to load; other commands do not pay for it). */
function bullmq(): typeof import('bullmq') {
  return require('bullmq') as typeof import('bullmq');
}

/** A job id per run directory: re-adding a sweep's runs never queues one twice. */
export function jobIdOf(runDir: string): string {
  return `run-${crypto.createHash('sha1').update(path.resolve(runDir)).digest('hex').slice(0, 20)}`;
}

async function withQueue<T>(url: string, f: (q: Queue) => Promise<T>): Promise<T> {
  const queue = new (bullmq().Queue)(KT_QUEUE, { connection: redisConnection(url) });
  try {
    return await f(queue);
  } finally {
    await queue.close();
  }
}

/** Queues the runs of a sweep that are not done (a failed job of an earlier attempt is retried). */
export async function enqueueSweep(url: string, sweepDir: string, jobs: readonly SweepJob[], attempts: number, store?: string): Promise<number> {
  return withQueue(url, async (queue) => {
    let added = 0;
    for (const job of jobs) {
      if (sweepRunState(job.runDir).state === 'done') continue;
      const id = jobIdOf(job.runDir);
      const existing = await queue.getJob(id);
      if (existing) {
        const state = await existing.getState();
        if (state === 'failed') await existing.retry('failed');
        else if (state === 'completed') {
          await existing.remove();
        } else continue;
        if (state === 'failed') {
          added += 1;
          continue;
        }
      }
      const data: SweepJobData = { sweepDir, cellId: job.cell.id, seed: job.seed, runDir: job.runDir, ...(store !== undefined ? { store } : {}) };
      await queue.add('run', data, { jobId: id, attempts, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false });
      added += 1;
    }
    return added;
  });
}

export type QueueCounts = Record<'queued' | 'running' | 'done' | 'failed', number>;

/** How many of a sweep's runs the queue holds in each state. */
export async function queueCounts(url: string, sweepDir: string): Promise<QueueCounts> {
  const manifest = readSweepManifest(sweepDir);
  return withQueue(url, async (queue) => {
    const counts: QueueCounts = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const job of sweepJobs(sweepDir, manifest)) {
      const j = await queue.getJob(jobIdOf(job.runDir));
      if (!j) continue;
      const state = await j.getState();
      if (state === 'active') counts.running += 1;
      else if (state === 'completed') counts.done += 1;
      else if (state === 'failed') counts.failed += 1;
      else counts.queued += 1;
    }
    return counts;
  });
}

export interface QueueSweepDeps {
  catalog: PluginCatalog;
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Poll interval while waiting for the workers (ms). */
  pollMs?: number;
}

/** Opens the `--store` of a command (endpoint from `--s3-endpoint` or env, credentials from env). */
export async function openStore(url: string, env: NodeJS.ProcessEnv, endpoint?: string): Promise<ObjectStore> {
  return S3ObjectStore.open(url, s3Settings(env, endpoint));
}

/** Uploads the sweep's manifest to the store (temp key, then copied into place), for the workers to read. */
export async function publishSweep(store: ObjectStore, sweepDir: string): Promise<void> {
  const key = storeKey(store.location, SWEEP_MANIFEST);
  const temp = storeKey(store.location, `.upload-${crypto.randomBytes(6).toString('hex')}/${SWEEP_MANIFEST}`);
  await store.putFile(temp, path.join(sweepDir, SWEEP_MANIFEST));
  await store.copy(temp, key);
  await store.remove([temp]);
}

/**
 * Brings the results of a sweep's runs from the store into the sweep directory (each run's last
 * committed snapshot without its checkpoints: config, metrics, summary, artifacts), so status,
 * the comparison table and `kt report` read them as local runs. Returns how many runs it found.
 */
export async function pullSweepResults(store: ObjectStore, sweepDir: string, manifest: SweepManifest): Promise<number> {
  let found = 0;
  for (const job of sweepJobs(sweepDir, manifest)) {
    const key = storeKey(store.location, path.relative(sweepDir, job.runDir));
    if (await downloadRun(store, key, job.runDir, (rel) => rel.startsWith('checkpoints/'))) found += 1;
  }
  return found;
}

/** `kt sweep … --queue URL`: queues the runs not done, waits until the workers finish them, and compares the cells. */
export async function queueSweepCommand(configFile: string | undefined, options: SweepOptions, deps: QueueSweepDeps): Promise<{ sweepDir: string; table: string; failed: number }> {
  const url = options.queue!;
  const { sweepDir, manifest } = prepareSweep(configFile, options, deps);
  const jobs = sweepJobs(sweepDir, manifest);
  const store = options.store !== undefined ? await openStore(options.store, deps.env, options.s3Endpoint) : undefined;
  if (store) {
    await publishSweep(store, sweepDir);
    await pullSweepResults(store, sweepDir, manifest);
  }
  const added = await enqueueSweep(url, sweepDir, jobs, 5, options.store);
  deps.log.info(`sweep ${sweepDir}: ${added} run${added === 1 ? '' : 's'} queued on ${url} (${jobs.length - added} done or already queued); start workers with: kt worker --queue ${url}`);
  let last = '';
  let counts: QueueCounts;
  for (;;) {
    counts = await queueCounts(url, sweepDir);
    if (store) await pullSweepResults(store, sweepDir, manifest);
    const line = `queued ${counts.queued}, running ${counts.running}, done ${counts.done}, failed ${counts.failed}`;
    if (line !== last) deps.log.info(`sweep: ${line}`);
    last = line;
    const finished = jobs.filter((j) => sweepRunState(j.runDir).state === 'done').length;
    if (finished + counts.failed >= jobs.length && counts.queued === 0 && counts.running === 0) break;
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 1000));
  }
  const cmp = compareSweep(sweepDir, manifest);
  return { sweepDir, table: formatTable(cmp.headers, cmp.rows), failed: counts.failed };
}

export interface WorkerDeps {
  catalog: PluginCatalog;
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  shouldStop: () => boolean;
  /** Runs of jobs with a store are carried out under this directory (default `<tmpdir>/kt-worker`). */
  workDir?: string;
  /** The S3 endpoint (`--s3-endpoint`); env otherwise. */
  s3Endpoint?: string;
  /** How often a run in progress is uploaded to the store (ms, default 5000). */
  syncMs?: number;
}

/** The local directory a worker carries a stored sweep's runs in: one per store URL. */
export function workerSweepDir(workDir: string, storeUrl: string): string {
  return path.join(workDir, crypto.createHash('sha256').update(storeUrl).digest('hex').slice(0, 16));
}

/**
 * A queued run whose sweep lives in object storage: the manifest and the run's last committed
 * snapshot (checkpoints included) are downloaded into this worker's directory, the run is started
 * or resumed there as usual, and uploaded every `syncMs` while it runs (so a killed worker's job
 * resumes on another worker from the last checkpoint that reached the store) and once more at its end.
 */
export async function processStoredJob(data: SweepJobData & { store: string }, deps: WorkerDeps): Promise<string> {
  const store = await openStore(data.store, deps.env, deps.s3Endpoint);
  const sweepDir = workerSweepDir(deps.workDir ?? path.join(os.tmpdir(), 'kt-worker'), data.store);
  ensureDir(sweepDir);
  if (!(await store.getFile(storeKey(store.location, SWEEP_MANIFEST), path.join(sweepDir, SWEEP_MANIFEST)))) {
    throw new Error(`${data.store} holds no ${SWEEP_MANIFEST}; was the sweep started with this --store?`);
  }
  const manifest = readSweepManifest(sweepDir);
  const job = sweepJobs(sweepDir, manifest).find((j) => j.cell.id === data.cellId && j.seed === data.seed);
  if (!job) throw new Error(`cell ${data.cellId} seed ${data.seed} is not in the sweep ${data.store}`);
  const key = storeKey(store.location, path.relative(sweepDir, job.runDir));
  // The store is the truth: whatever this worker had of the run locally is replaced by the last upload.
  if (!(await downloadRun(store, key, job.runDir))) fs.rmSync(job.runDir, { recursive: true, force: true });
  const uploader = new RunUploader(store, key, job.runDir);
  const timer = setInterval(() => {
    if (fs.existsSync(path.join(job.runDir, 'config.json'))) uploader.sync().catch((err: Error) => deps.log.warn(`upload of ${key}: ${err.message}`));
  }, deps.syncMs ?? 5000);
  try {
    return await carryRun(manifest, sweepDir, job, data, deps, ` (store ${data.store}/${path.relative(sweepDir, job.runDir)})`);
  } finally {
    clearInterval(timer);
    if (fs.existsSync(job.runDir)) await uploader.sync();
  }
}

/**
 * Carries one queued run forward in this process: a done run is left as it is (nothing runs twice
 * to completion), a new one is started in its directory, an interrupted or killed one resumes from
 * its last checkpoint (the run lock of a dead worker on this host is taken over). A run another live
 * process holds, or one this worker was stopped in, throws, so BullMQ retries it later.
 */
export async function processSweepJob(data: SweepJobData, deps: WorkerDeps): Promise<string> {
  if (data.store !== undefined) return processStoredJob({ ...data, store: data.store }, deps);
  const manifest = readSweepManifest(data.sweepDir);
  const job = sweepJobs(data.sweepDir, manifest).find((j) => path.resolve(j.runDir) === path.resolve(data.runDir));
  if (!job) throw new Error(`run ${data.runDir} is not in the sweep ${data.sweepDir}`);
  return carryRun(manifest, data.sweepDir, job, data, deps, '');
}

/** Starts, resumes or leaves (done) one run of a sweep in `sweepDir`, in this process. */
async function carryRun(manifest: SweepManifest, sweepDir: string, job: SweepJob, data: SweepJobData, deps: WorkerDeps, where: string): Promise<string> {
  let { state } = sweepRunState(job.runDir);
  if (state === 'broken') {
    clearBrokenRun(job.runDir);
    state = 'pending';
  }
  const args = ktArgsFor(manifest, sweepDir, job, state);
  if (state === 'done') return `${data.cellId} seed ${data.seed}: already done`;
  if (!args) throw new Error(`run ${job.runDir} is in use by another process; retried later`);
  const resumed = state === 'resumable';
  deps.log.info(`${data.cellId} seed ${data.seed}: ${resumed ? 'resuming' : 'starting'} ${job.runDir}${where}`);
  const options = RunOptionsSchema.parse(
    resumed ? { resume: job.runDir, quiet: true } : { set: [...manifest.sets, ...job.cell.overrides, `train.seed=${job.seed}`], runDir: job.runDir, out: sweepDir, quiet: true },
  );
  const result = await runCommand(resumed ? undefined : manifest.config, options, { catalog: deps.catalog, cwd: deps.cwd, env: deps.env, log: deps.log, shouldStop: deps.shouldStop, progress: false });
  if (result.summary.status === 'interrupted') throw new Error(`run ${job.runDir} interrupted at step ${result.summary.steps}; another worker resumes it`);
  return `${data.cellId} seed ${data.seed}: ${result.summary.status} (${result.runDir})`;
}

export interface WorkerOptions {
  url: string;
  concurrency: number;
  /** How long a job's lock lasts without renewal before another worker may take the job (ms). */
  stallMs: number;
}

/** `kt worker`: takes runs from the queue until stopped; resolves when it has closed. */
export async function runWorker(options: WorkerOptions, deps: WorkerDeps): Promise<void> {
  const worker = new (bullmq().Worker)<SweepJobData, string>(KT_QUEUE, async (job: Job<SweepJobData, string>) => processSweepJob(job.data, deps), {
    connection: redisConnection(options.url),
    concurrency: options.concurrency,
    lockDuration: options.stallMs,
    stalledInterval: options.stallMs,
    maxStalledCount: 5,
  });
  worker.on('completed', (_job, result) => deps.log.info(`worker: ${result}`));
  worker.on('failed', (job, err) => deps.log.warn(`worker: ${job?.data.cellId ?? '?'} seed ${job?.data.seed ?? '?'}: ${err.message}`));
  worker.on('error', (err) => deps.log.warn(`worker: ${err.message}`));
  await worker.waitUntilReady();
  deps.log.info(`worker ${process.pid}: taking runs from ${options.url} (queue ${KT_QUEUE})`);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (deps.shouldStop()) {
        clearInterval(timer);
        resolve();
      }
    }, 200);
  });
  deps.log.info('worker: stopping (the current run checkpoints; its job goes back to the queue)');
  await worker.close();
}
