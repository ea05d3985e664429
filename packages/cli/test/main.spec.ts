import { KT_VERSION } from '@kt/core';
import { createMemoryIo } from '../src/cli-io';
import { runCli } from '../src/main';
import { BUILTIN_COMMANDS } from '../src/program';
import { toyCatalog, TOY_CONFIG } from './helpers';

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const io = createMemoryIo();
  const code = await runCli(['node', 'kt', ...args], { io, env, catalog: toyCatalog() });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('runCli', () => {
  it('prints the version', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${KT_VERSION}\n`, stderr: '' });
  });

  it('has help listing every command, and help on each command', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of BUILTIN_COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(help.stdout).toContain('Exit codes: 0 success, 1 the run failed, 2 usage or config error');
    for (const c of BUILTIN_COMMANDS) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: kt ${c}`));
    }
  });

  it('exits 2 on usage errors: unknown command, unknown option, missing argument, bad option value', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'frobnicate'");
    expect((await cli(['runs', '--frob'])).code).toBe(2);
    expect((await cli(['validate'])).stderr).toContain("missing required argument 'config'");
    const badBackend = await cli(['run', TOY_CONFIG, '--backend', 'gpu']);
    expect(badBackend.code).toBe(2);
    expect(badBackend.stderr).toMatch(/^error: invalid options\n {2}- backend: Invalid option: expected one of "auto"\|"tensorflow"\|"wasm"\|"cpu"\n$/);
  });

  it('an unknown command is exit 2 whatever flags follow it, not the main help with exit 0', async () => {
    for (const args of [['no-such-command'], ['no-such-command', '--help'], ['no-such-command', '-h'], ['--debug', 'no-such-command', '--help'], ['no-such-command', '--version']]) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain("error: unknown command 'no-such-command'");
      expect(r.stderr).toContain('(kt --help lists the commands; kt <command> --help describes one)');
      expect(r.stdout).toBe('');
    }
    expect((await cli(['rnu', '--help'])).stderr).toContain('(Did you mean run?)');
    // Known commands, help and plugin commands are untouched.
    expect((await cli(['help', 'run'])).code).toBe(0);
    expect((await cli(['--debug', 'runs', '--help'])).code).toBe(0);
    expect((await cli(['toy-info', '--help'])).code).toBe(0);
  });

  it('--set refuses __proto__, prototype and constructor path segments with exit 2 naming the flag', async () => {
    for (const key of ['__proto__.x', 'train.__proto__.lr', 'constructor.prototype.x', 'train.prototype']) {
      const r = await cli(['validate', TOY_CONFIG, '--set', `${key}=1`]);
      expect({ key, code: r.code }).toEqual({ key, code: 2 });
      expect(r.stderr).toMatch(new RegExp(`^error: --set ${key.replace(/\./g, '\\.')}=1: "(__proto__|prototype|constructor)" cannot be a config key`));
    }
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it("configures the plugins' CLI contributions onto the program", async () => {
    expect((await cli(['--help'])).stdout).toMatch(/^ {2}toy-info \[options\] +print what the toy plugin provides$/m);
    expect(await cli(['toy-info', '--upper'])).toEqual({ code: 0, stdout: 'TOY PLUGIN 1.2.3: TASKS KD, NAN\n', stderr: '' });
  });

  it('validates through the program, printing "ok" on stdout', async () => {
    const r = await cli(['validate', TOY_CONFIG, '--quiet', '--set', 'train.steps=3']);
    expect(r).toEqual({ code: 0, stdout: 'ok: toy/kd\n', stderr: '' });
  });

  it('adds stack traces only with --debug or KT_DEBUG=1', async () => {
    const plain = await cli(['validate', 'missing.yaml']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toBe('error: config file not found: missing.yaml\n');
    expect((await cli(['validate', 'missing.yaml', '--debug'])).stderr).toMatch(/\n\s+at /);
    expect((await cli(['validate', 'missing.yaml'], { KT_DEBUG: '1' })).stderr).toMatch(/\n\s+at /);
  });
});
