import * as fs from 'fs';
import * as path from 'path';
import { createMemoryIo } from '../../src/cli-io';
import { runCli } from '../../src/main';
import { removeTmpDirs, tmpDir, toyCatalog, writeToyConfig } from '../helpers';
import { writeFakeRun } from '../report/report-fixtures';

afterAll(removeTmpDirs);

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = createMemoryIo();
  const code = await runCli(['node', 'kt', ...args], { io, env: {}, cwd, catalog: toyCatalog() });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('kt report / sweep / worker through the program', () => {
  it('kt report writes the page named by --out and says so on stdout', async () => {
    const dir = tmpDir();
    writeFakeRun(path.join(dir, 'runs'), { name: 'r1', divergence: 'forward', seed: 1, scale: 10 });
    const r = await cli(['report', 'r1', '--out', 'out/page.html', '--title', 'T'], dir);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`report: ${path.join(dir, 'out/page.html')} (1 run, 3 charts)\n`);
    expect(fs.readFileSync(path.join(dir, 'out/page.html'), 'utf8')).toContain('<title>T</title>');
    expect((await cli(['report', 'missing'], dir)).code).toBe(2);
  });

  it('kt sweep: a bad grid, seeds or queue URL is a usage error (exit 2) naming the flag', async () => {
    const dir = tmpDir();
    const config = writeToyConfig(dir);
    const grid = await cli(['sweep', config, '--grid', 'train.lr'], dir);
    expect(grid.code).toBe(2);
    expect(grid.stderr).toContain('--grid train.lr: expected key=value1,value2');
    const seeds = await cli(['sweep', config, '--seeds', '0'], dir);
    expect(seeds.code).toBe(2);
    expect(seeds.stderr).toMatch(/- seeds: /);
    const queue = await cli(['sweep', config, '--queue', 'http://x'], dir);
    expect(queue.code).toBe(2);
    expect(queue.stderr).toContain('- queue: expected redis://host:port');
    expect((await cli(['worker'], dir)).code).toBe(2);
    expect(fs.existsSync(path.join(dir, 'runs'))).toBe(false);
  });

  it('kt sweep --status lists every cell before anything ran', async () => {
    const dir = tmpDir();
    const config = writeToyConfig(dir);
    const r = await cli(['sweep', config, '--grid', 'transfer.divergence=forward,backward', '--seeds', '2', '--status'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`sweep directory: ${path.join(dir, 'runs', 'sweeps', 'toy')}`);
    expect(r.stdout).toMatch(/^transfer\.divergence=forward\s+2\s+0\s+0\s+0\s+0$/m);
    expect(r.stdout).toMatch(/^transfer\.divergence=backward\s+2\s+0\s+0\s+0\s+0$/m);
    const again = await cli(['sweep', '--status', '--out', 'runs/sweeps/toy'], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('cell');
  });
});
