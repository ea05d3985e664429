import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, RunError } from '../../src/runtime/errors';
import { createMemoryLogger } from '../../src/runtime/logger';
import { configErrorOf, pluginHarness, tempDirs, useCpuBackend } from '../../src/testing';
import { toyPlugin } from '../fixtures/toy-plugin';

useCpuBackend();

const configsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-harness-configs-'));
afterAll(() => fs.rmSync(configsDir, { recursive: true, force: true }));
const toyKd = { plugin: 'toy', task: 'kd', name: 'toy', transfer: { divergence: 'backward' }, train: { steps: 6, batchSize: 16, lr: 0.05, seed: 3 } };
fs.writeFileSync(path.join(configsDir, 'b-kd.yaml'), JSON.stringify(toyKd));
fs.writeFileSync(path.join(configsDir, 'a-kd.yaml'), JSON.stringify({ ...toyKd, name: 'a' }));
fs.writeFileSync(path.join(configsDir, 'notes.md'), 'not a config');

const made: string[] = [];

describe('pluginHarness', () => {
  const h = pluginHarness({ ...toyPlugin, configsDir }, 'test-toy');

  it('composes the plugin alone: its registry names it and the package it came from', () => {
    expect(h.registry.names()).toEqual(['toy']);
    expect(h.registry.list()[0]!.from).toBe('test-toy');
    expect(h.configsDir).toBe(configsDir);
    expect(h.shippedConfigs()).toEqual(['a-kd.yaml', 'b-kd.yaml']);
  });

  it('reads shipped configs by name or path with overrides, leaving a raw object it is given unchanged', () => {
    expect(h.raw('b-kd.yaml', ['train.lr=0.5'])).toMatchObject({ name: 'toy', train: { lr: 0.5, steps: 6 } });
    expect(h.raw(path.join(configsDir, 'a-kd.yaml'))['name']).toBe('a');
    const raw = structuredClone(toyKd);
    expect(h.raw(raw, ['train.steps=2'])).toMatchObject({ train: { steps: 2 } });
    expect(raw).toEqual(toyKd);
    expect(h.config('b-kd.yaml', ['train.steps=4']).train.steps).toBe(4);
    // A resolution error names the file it came from.
    expect(configErrorOf(() => h.config('b-kd.yaml', ['train.steps=-1']))).toMatch(/^b-kd\.yaml: invalid config\n {2}- train\.steps/);
  });

  it('runs a config into a temp directory it removes afterwards, on the current backend, keeping the log lines', async () => {
    const before = tf.memory().numTensors;
    const outcome = await h.run(h.config('b-kd.yaml'));
    expect(outcome.summary.status).toBe('completed');
    expect(outcome.summary.steps).toBe(6);
    expect(outcome.log.length).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    const outDir = path.dirname(outcome.runDir);
    expect(path.basename(outDir)).toMatch(/^kt-toy-/);
    made.push(outDir);
    const own = createMemoryLogger();
    const second = await h.run(h.config('a-kd.yaml'), { outDir: h.tmp('kt-harness-own-'), log: own });
    expect(second.log).toBe(own.lines);
    made.push(path.dirname(second.runDir));
    expect(made.every((d) => fs.existsSync(d))).toBe(true);
  });

  const bare = pluginHarness(toyPlugin, 'test-toy');
  it('a plugin without shipped configs says so', () => {
    expect(() => bare.configsDir).toThrow(/plugin toy ships no configs/);
  });
});

describe('tempDirs', () => {
  const tmp = tempDirs('kt-harness-td-');
  it('makes distinct directories with the prefix', () => {
    const a = tmp();
    const b = tmp('kt-harness-other-');
    expect(a).not.toBe(b);
    expect(path.basename(a)).toMatch(/^kt-harness-td-/);
    expect(path.basename(b)).toMatch(/^kt-harness-other-/);
    fs.writeFileSync(path.join(a, 'f'), 'x');
    made.push(a, b);
  });
});

describe('after the blocks above', () => {
  it("their afterAll removed every directory the harness and tempDirs made", () => {
    expect(made.length).toBe(4);
    for (const dir of made) expect(fs.existsSync(dir)).toBe(false);
  });
});

describe('configErrorOf', () => {
  it('returns the message of a ConfigError thrown or rejected with', async () => {
    expect(
      configErrorOf(() => {
        throw new ConfigError('bad field');
      }),
    ).toBe('bad field');
    await expect(configErrorOf(async () => Promise.reject(new ConfigError('later')))).resolves.toBe('later');
  });

  it('fails on no error, on another error and on a resolved promise, saying what came instead', async () => {
    expect(() => configErrorOf(() => 1)).toThrow('expected a ConfigError, but nothing was thrown');
    expect(() =>
      configErrorOf(() => {
        throw new RunError('step failed');
      }),
    ).toThrow('expected a ConfigError (exit code 2), got RunError: step failed');
    await expect(configErrorOf(async () => 1)).rejects.toThrow('expected a ConfigError, but the promise resolved');
  });
});
