import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// End-to-end through the built `kt` (packages/cli/bin/kt.js; the test target builds @kt/cli and @kt/kg
// first): Ctrl-C in the middle of a long filtered evaluation stops the run within about a second —
// the evaluation yields between blocks of queries and polls the stop request — with exit 130, and
// `kt run --resume` redoes the evaluation to the metrics of an uninterrupted run.
jest.setTimeout(900_000);

const KT_BIN = path.resolve(__dirname, '../../../cli/bin/kt.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-kg-sigint-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// A random graph written as labelled TSV (cheap to load, unlike parsing WordNet): 3,000 entities, 4 relations,
// 12,000 training triples; 3 training steps, then the 400 test triples ranked (800 queries, both directions,
// each against all 3,000 entities) two queries per block: seconds of evaluation even on a quiet machine.
function writeGraph(): void {
  let x = 12345;
  const next = (n: number): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  const lines = (count: number): string => Array.from({ length: count }, () => `e${next(3000)}\tr${next(4)}\te${next(3000)}`).join('\n') + '\n';
  // Every entity and relation occurs in training.
  const cover = Array.from({ length: 3000 }, (_, i) => `e${i}\tr${i % 4}\te${(i + 1) % 3000}`).join('\n') + '\n';
  fs.writeFileSync(path.join(work, 'train.tsv'), cover + lines(9000));
  fs.writeFileSync(path.join(work, 'valid.tsv'), lines(100));
  fs.writeFileSync(path.join(work, 'test.tsv'), lines(400));
}

const CONFIG = `name: kg-slow-eval
plugin: kg
task: train
backend: cpu
data: { source: tsv, train: train.tsv, valid: valid.tsv, test: test.tsv }
model: { kind: transe, dim: 16, norm: 2, gamma: 6 }
loss: { kind: self-adversarial, temperature: 1 }
negatives: { count: 8 }
eval: { batchSize: 2 }
train: { steps: 3, batchSize: 64, lr: 0.01, seed: 0 }
`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms from the SIGINT to the exit, when one was sent. */
  stopMs?: number;
}

/** `node kt.js args`; once stderr matches `interruptWhen`, sends SIGINT. */
function kt(args: string[], interruptWhen?: RegExp): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, KT_BACKEND: 'cpu' };
    delete env['KT_DEBUG'];
    const child = spawn(process.execPath, [KT_BIN, ...args], { cwd: work, env });
    let stdout = '';
    let stderr = '';
    let sentAt: number | undefined;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (interruptWhen && sentAt === undefined && interruptWhen.test(stderr)) {
        sentAt = Date.now();
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, stopMs: sentAt === undefined ? undefined : Date.now() - sentAt }));
  });
}

const runDirOf = (text: string): string => /run directory: (\S+)/.exec(text)![1]!;
const summaryOf = (dir: string): { status: string; steps: number; test?: Record<string, number> } => JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));

describe('kt run (spawned): Ctrl-C during a long kg evaluation', () => {
  let interrupted: Result;
  let uninterrupted: Result;
  beforeAll(async () => {
    if (!fs.existsSync(path.resolve(KT_BIN, '../../dist/main.js'))) throw new Error('packages/cli/dist is missing: build @kt/cli first (nx run @kt/kg:test does)');
    writeGraph();
    fs.writeFileSync(path.join(work, 'slow.yaml'), CONFIG);
    // Interrupted when training has checkpointed its last step, i.e. as the test evaluation starts.
    [interrupted, uninterrupted] = await Promise.all([kt(['run', 'slow.yaml', '--out', 'a'], /checkpoint: step 3 -> /), kt(['run', 'slow.yaml', '--out', 'b'])]);
  });

  it('exits 130 within seconds, saying where it stopped and how to resume; the run is interrupted, training checkpointed', () => {
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('SIGINT: stopping after this step, checkpointing; press Ctrl-C again to abort');
    const stopped = /eval test: stopped after (\d+) of (\d+) queries; training is complete and checkpointed: --resume redoes the test evaluation/.exec(interrupted.stderr);
    expect(stopped).not.toBeNull();
    expect(Number(stopped![1])).toBeLessThan(Number(stopped![2]));
    const dir = runDirOf(interrupted.stderr);
    expect(interrupted.stdout).toContain(`continue with: kt run --resume ${dir}`);
    const summary = summaryOf(dir);
    expect(summary.status).toBe('interrupted');
    expect(summary.steps).toBe(3);
    expect(summary.test).toBeUndefined();
    expect(fs.existsSync(path.join(dir, 'artifacts', 'eval-test.json'))).toBe(false);
    // Measured under the machine's load (nice 19): the stop comes after the current one-query block.
    process.stdout.write(`kg SIGINT → exit: ${interrupted.stopMs} ms\n`);
    expect(interrupted.stopMs).toBeLessThan(15_000);
  });

  it('kt run --resume redoes the evaluation and ends with the metrics of the uninterrupted run', async () => {
    expect(uninterrupted.code).toBe(0);
    const dir = runDirOf(interrupted.stderr);
    const resumed = await kt(['run', '--resume', dir]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`resumed from ${path.join(dir, 'checkpoints', 'step-00000003')} after step 3`);
    const summary = summaryOf(dir);
    expect(summary.status).toBe('completed');
    expect(summary.test).toEqual(summaryOf(runDirOf(uninterrupted.stderr)).test);
    expect(fs.existsSync(path.join(dir, 'artifacts', 'eval-test.json'))).toBe(true);
  });
});
