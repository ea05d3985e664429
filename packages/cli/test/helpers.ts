import { spawn, type ChildProcess } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PluginCatalog } from '../src/plugin-catalog';

export const PACKAGE_DIR = path.resolve(__dirname, '..');
export const KT_BIN = path.join(PACKAGE_DIR, 'bin', 'kt.js');
export const FIXTURES = path.join(__dirname, 'fixtures');
export const TOY_PLUGIN_DIR = path.join(FIXTURES, 'toy-plugin');
export const TOY_CONFIG = path.join(FIXTURES, 'toy.yaml');

const created: string[] = [];

/** A fresh temporary directory, removed by `removeTmpDirs` (call it in afterAll). */
export function tmpDir(prefix = 'kt-cli-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTmpDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A catalog holding only the third-party toy plugin (loaded through jest's require). */
export function toyCatalog(): PluginCatalog {
  return PluginCatalog.empty(require).with(TOY_PLUGIN_DIR, 'env', [FIXTURES]);
}

/** Writes a toy config (YAML-compatible JSON) into `dir` with the plugin referenced by absolute path. */
export function writeToyConfig(dir: string, overrides: Record<string, unknown> = {}, file = 'toy.json'): string {
  const base: Record<string, unknown> = {
    name: 'toy-kd',
    plugins: [TOY_PLUGIN_DIR],
    plugin: 'toy',
    task: 'kd',
    backend: 'cpu',
    transfer: { divergence: 'backward' },
    train: { steps: 20, batchSize: 16, lr: 0.05, seed: 3, evalEvery: 10, checkpointEvery: 10, logEvery: 10 },
    data: { n: 64, features: 5, classes: 3 },
  };
  const out = path.join(dir, file);
  fs.writeFileSync(out, JSON.stringify({ ...base, ...overrides }, undefined, 2));
  return out;
}

export interface SpawnResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Called with stderr as it grows; may send signals to the child. */
  onStderr?: (stderr: string, child: ChildProcess) => void;
  timeoutMs?: number;
}

/** Writes `n` 8x8 bar images of 4 classes (a bright edge: top, bottom, left, right), deterministic, one CSV row each (64 pixels, label): a deepinversion/classify data set of seconds. */
export function writeBarsCsv(file: string, n: number): string {
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 4;
    const pixels: string[] = [];
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) pixels.push([r < 2, r >= 6, c < 2, c >= 6][label] ? '0.9' : ((i * 7 + r * 3 + c) % 10 / 50).toFixed(2));
    rows.push([...pixels, label].join(','));
  }
  fs.writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

/** Runs `node bin/kt.js ARGS` (the built CLI) with KT_BACKEND=cpu and no KT_PLUGINS/KT_DEBUG. */
export function kt(args: readonly string[], options: SpawnOptions = {}): Promise<SpawnResult> {
  if (!fs.existsSync(path.join(PACKAGE_DIR, 'dist', 'main.js'))) {
    throw new Error('packages/cli/dist is missing: build first (npx nx run @kt/cli:test builds it)');
  }
  const env: Record<string, string | undefined> = { ...process.env, KT_BACKEND: 'cpu', KT_PLUGINS: undefined, KT_DEBUG: undefined, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KT_BIN, ...args], { cwd: options.cwd ?? PACKAGE_DIR, env: env as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Every file under `dir` with its size and content hash, to prove nothing changed. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = crypto.createHash('sha1').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** `--set` flags shrinking packages/deepinversion/configs/mnist-di.yaml to a seconds-long run on an 8×8 bars CSV (writeBarsCsv). */
export function tinyDiSets(csv: string, { rounds }: { rounds: number }): string[] {
  return [
    `data={source: csv, path: ${csv}, shape: [8, 8, 1]}`,
    'teacher.model={kind: resnet, widths: [4], blocksPerStage: 1}',
    'teacher.train={epochs: 1, batchSize: 32, lr: 0.02}',
    'verifier.model={kind: mlp, hidden: [8]}',
    'verifier.train={epochs: 1, batchSize: 32, lr: 0.01}',
    'learner.model={kind: mlp, hidden: [8]}',
    'synthesis.batchSize=8',
    'synthesis.iterations=4',
    `rounds.count=${rounds}`,
    'rounds.imagesPerRound=8',
    'rounds.stepsPerRound=2',
    'train.batchSize=8',
  ].flatMap((s) => ['--set', s]);
}
