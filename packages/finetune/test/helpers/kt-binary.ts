import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
/** The `kt` executable of the workspace (packages/cli/bin/kt.js), spawned as a user runs it. */
export const KT_BIN = path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'kt.js');

export interface KtResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node packages/cli/bin/kt.js ARGS` in `cwd` with KT_BACKEND=cpu and no KT_PLUGINS/KT_DEBUG. The built CLI and
 * the built finetune plugin are what it loads (this package's test target builds both first).
 */
export function kt(args: readonly string[], cwd: string, timeoutMs = 240_000): Promise<KtResult> {
  for (const dist of [path.join(REPO_ROOT, 'packages', 'cli', 'dist', 'main.js'), path.join(REPO_ROOT, 'packages', 'finetune', 'dist', 'index.js')]) {
    if (!fs.existsSync(dist)) throw new Error(`${dist} is missing: build first (npx nx run @kt/finetune:test builds @kt/cli and @kt/finetune)`);
  }
  const env: Record<string, string | undefined> = { ...process.env, KT_BACKEND: 'cpu', KT_PLUGINS: undefined, KT_DEBUG: undefined };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KT_BIN, ...args], { cwd, env: env as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
