import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { BACKEND_REQUESTS, initBackend, KT_VERSION, type BackendInfo } from '@kt/core';
import { globalOptionsShape, type CommandContext } from '../command-context';

export const DoctorOptionsSchema = z.strictObject({
  ...globalOptionsShape,
  backend: z.enum(BACKEND_REQUESTS).optional(),
  seconds: z.coerce.number().positive().max(60).default(1),
  size: z.coerce.number().int().min(16).max(4096).default(256),
});
export type DoctorOptions = z.infer<typeof DoctorOptionsSchema>;

export interface MatmulThroughput {
  size: number;
  iterations: number;
  seconds: number;
  gflops: number;
}

export interface DoctorReport {
  backend: BackendInfo;
  chosenBy: string;
  /** The line initBackend logged, e.g. `kt backend: wasm (SIMD, 1 thread) + …`. */
  backendLine: string;
  kt: string;
  tfjs: string;
  node: string;
  platform: string;
  matmul: MatmulThroughput;
}

/**
 * Repeats a size×size float32 matMul for about `seconds` (after one warm-up) and reports
 * GFLOP/s = 2·size³·iterations / time. Each product is read back so async backends are timed fully.
 */
export async function measureMatmul(seconds: number, size = 256): Promise<MatmulThroughput> {
  const a = tf.randomNormal([size, size], 0, 1, 'float32', 1);
  const b = tf.randomNormal([size, size], 0, 1, 'float32', 2);
  try {
    const warm = tf.matMul(a, b);
    await warm.data();
    warm.dispose();
    let iterations = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < seconds * 1000 || iterations === 0) {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
      iterations += 1;
      elapsed = performance.now() - start;
    }
    const secs = elapsed / 1000;
    return { size, iterations, seconds: secs, gflops: (2 * size ** 3 * iterations) / secs / 1e9 };
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** `kt doctor`: which backend runs, whether kt's native kernels are active, versions, and matmul speed. */
export async function doctorCommand(options: DoctorOptions, env: NodeJS.ProcessEnv): Promise<DoctorReport> {
  let backendLine = '';
  const backend = await initBackend({
    requested: options.backend,
    env,
    log: (l) => {
      backendLine = l;
    },
  });
  const matmul = await measureMatmul(options.seconds, options.size);
  return {
    backend,
    chosenBy: `${backend.choice.requested} (${backend.choice.source})`,
    backendLine,
    kt: KT_VERSION,
    tfjs: tf.version.tfjs,
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    matmul,
  };
}

export function formatDoctorReport(r: DoctorReport): string {
  const n = r.backend.native;
  const native = n.active
    ? `active (BLAS ${n.blas}, ${n.threads} thread${n.threads === 1 ? '' : 's'}; kernels: ${n.kernels.join(', ') || '-'})`
    : `inactive (${n.reason ?? 'unavailable'})`;
  const rows: [string, string][] = [
    ['backend', `${r.backend.name} (requested ${r.chosenBy})`],
    ['backend threads', String(r.backend.threads)],
    ['wasm SIMD', r.backend.name === 'wasm' ? (r.backend.simd ? 'yes' : 'no') : '-'],
    ['native kernels', native],
    ['kt', r.kt],
    ['tfjs', r.tfjs],
    ['node', `${r.node} (${r.platform})`],
    [
      'matmul',
      `${r.matmul.gflops.toFixed(2)} GFLOP/s (${r.matmul.size}x${r.matmul.size} float32, ${r.matmul.iterations} in ${r.matmul.seconds.toFixed(2)} s)`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

export function registerDoctorCommand(program: Command, ctx: CommandContext): void {
  program
    .command('doctor')
    .description('report the compute backend, native kernels, versions and a matmul throughput figure')
    .option('-b, --backend <name>', `backend to check: ${BACKEND_REQUESTS.join(', ')} (default: env KT_BACKEND, else auto)`)
    .option('--seconds <s>', 'how long to time the matmul (default 1)')
    .option('--size <n>', 'matrix size of the matmul (default 256)')
    .action(async (_opts: unknown, cmd: Command) => {
      const options = DoctorOptionsSchema.parse(cmd.optsWithGlobals());
      ctx.io.out(formatDoctorReport(await doctorCommand(options, ctx.env)));
    });
}
