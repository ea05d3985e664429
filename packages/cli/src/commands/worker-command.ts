import * as path from 'path';
import type { Command } from 'commander';
import { z } from 'zod';
import { installStopHandlers } from '@kt/core';
import { createIoLogger } from '../cli-io';
import { debugFromEnv, globalOptionsShape, type CommandContext } from '../command-context';
import { runWorker } from '../sweep/sweep-queue';

export const WorkerOptionsSchema = z.strictObject({
  ...globalOptionsShape,
  queue: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'expected redis://host:port'),
  concurrency: z.coerce.number().int().min(1).max(64).default(1),
  stallSeconds: z.coerce.number().positive().max(3600).default(30),
  workDir: z.string().min(1).optional(),
  s3Endpoint: z.string().min(1).optional(),
  syncSeconds: z.coerce.number().positive().max(3600).default(5),
});
export type WorkerCommandOptions = z.infer<typeof WorkerOptionsSchema>;

export function registerWorkerCommand(program: Command, ctx: CommandContext): void {
  program
    .command('worker')
    .description('take sweep runs from a BullMQ queue in Redis and run them here (see docs/distributed.md)')
    .requiredOption('--queue <url>', 'the queue, redis://host:port')
    .option('-c, --concurrency <n>', 'runs at a time in this worker (default 1)')
    .option('--stall-seconds <s>', 'a job whose worker is silent this long goes to another worker (default 30)')
    .option('--work-dir <dir>', 'where runs of sweeps kept in object storage (kt sweep --store) are carried out (default <tmpdir>/kt-worker)')
    .option('--s3-endpoint <url>', 'the S3 endpoint of such sweeps (default env KT_S3_ENDPOINT or AWS_ENDPOINT_URL, else AWS); credentials from env')
    .option('--sync-seconds <s>', 'how often a run in progress is uploaded to the object store (default 5)')
    .addHelpText(
      'after',
      `
Examples:
  kt worker --queue redis://10.0.0.5:6379
  kt sweep exp.yaml --grid train.lr=0.001,0.01 --seeds 3 --queue redis://10.0.0.5:6379

Every worker must see the sweep directory at the same path (a shared file system), unless the
sweep keeps its runs in object storage (kt sweep --store s3://bucket/prefix): then each worker
downloads a run, carries it out under --work-dir, and uploads it as it goes.
Ctrl-C: the current run checkpoints and goes back to the queue; another worker resumes it.`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const options = WorkerOptionsSchema.parse(cmd.optsWithGlobals());
      const log = createIoLogger(ctx.io, { debug: options.debug || debugFromEnv(ctx.env) });
      const stop = installStopHandlers((text) => ctx.io.err(text));
      try {
        await runWorker(
          { url: options.queue, concurrency: options.concurrency, stallMs: options.stallSeconds * 1000 },
          {
            catalog: ctx.catalog,
            cwd: ctx.cwd,
            env: ctx.env,
            log,
            shouldStop: stop.shouldStop,
            workDir: options.workDir !== undefined ? path.resolve(ctx.cwd, options.workDir) : undefined,
            s3Endpoint: options.s3Endpoint,
            syncMs: options.syncSeconds * 1000,
          },
        );
      } finally {
        stop.dispose();
      }
    });
}
