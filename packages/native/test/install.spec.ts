import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const pkg = path.resolve(__dirname, '..');

/** A copy of what the published package installs from (scripts, sources, binding.gyp), in a temp dir. */
function packageCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-native-install-'));
  for (const entry of ['package.json', 'binding.gyp', 'scripts', 'csrc']) fs.cpSync(path.join(pkg, entry), path.join(dir, entry), { recursive: true });
  return dir;
}

function runInstall(dir: string, env: Record<string, string>): { status: number | null; stdout: string; record: { ok: boolean; reason?: string } } {
  const res = spawnSync(process.execPath, [path.join(dir, 'scripts', 'install.js')], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120000 });
  const record = JSON.parse(fs.readFileSync(path.join(dir, 'native-build.json'), 'utf8')) as { ok: boolean; reason?: string };
  return { status: res.status, stdout: res.stdout, record };
}

describe('install script (scripts/install.js): installing never fails', () => {
  it('without a working compiler: exits 0, says so in one line, records the reason', () => {
    const dir = packageCopy();
    try {
      const res = runInstall(dir, { CC: '/bin/false', CXX: '/bin/false', LINK: '/bin/false', KT_NATIVE_SKIP_BUILD: '' });
      expect(res.status).toBe(0);
      expect(res.record.ok).toBe(false);
      expect(res.record.reason).toMatch(/node-gyp (exited|not found)|cannot load/);
      expect(res.stdout).toMatch(/^@kt\/native: addon NOT built: /m);
      expect(fs.existsSync(path.join(dir, 'build', 'Release', 'kt_native.node'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('KT_NATIVE_SKIP_BUILD=1: exits 0 and records the skip', () => {
    const dir = packageCopy();
    try {
      const res = runInstall(dir, { KT_NATIVE_SKIP_BUILD: '1' });
      expect(res.status).toBe(0);
      expect(res.record).toMatchObject({ ok: false, reason: 'build skipped (KT_NATIVE_SKIP_BUILD=1)' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing addon makes nativeStatus() report unavailable with a reason, without throwing', () => {
    const saved = process.env['KT_NATIVE_ADDON'];
    process.env['KT_NATIVE_ADDON'] = path.join(os.tmpdir(), 'no-such-dir', 'kt_native.node');
    try {
      jest.isolateModules(() => {
        const native = require('../src') as typeof import('../src');
        const status = native.nativeStatus();
        expect(status.available).toBe(false);
        expect(status.reason).toMatch(/no-such-dir|not found|not built/);
        expect(native.nativeKernels({ below: () => undefined })).toEqual({ status, configs: [] });
      });
    } finally {
      if (saved === undefined) delete process.env['KT_NATIVE_ADDON'];
      else process.env['KT_NATIVE_ADDON'] = saved;
    }
  });
});
