import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildContainer, createMemoryLogger, PluginRegistry, readConfigFile, resolveExperimentConfig, runExperiment, applyOverrides } from '@kt/core';
import { classifyPlugin } from '../../src';

const registry = new PluginRegistry([{ plugin: classifyPlugin, from: '@kt/classify' }]);
const container = buildContainer([classifyPlugin]);
const configsDir = path.join(__dirname, '..', '..', 'configs');
const made: string[] = [];
const tmp = (prefix: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('classify plugin', () => {
  it.each(fs.readdirSync(configsDir).filter((f) => f.endsWith('.yaml')))('shipped config %s validates', (file) => {
    const cfg = resolveExperimentConfig(readConfigFile(path.join(configsDir, file)), registry, file);
    expect(cfg.plugin).toBe('classify');
  });

  it('distils a trained teacher into a learner that beats chance, caching the teacher', async () => {
    const out = tmp('kt-classify-');
    const raw = applyOverrides(readConfigFile(path.join(configsDir, 'mnist-backward.yaml')), [
      'data.perDigit=40',
      'teacher.model.hidden=[64]',
      'teacher.train.epochs=6',
      'train.epochs=4',
      'train.batchSize=32',
    ]);
    const config = resolveExperimentConfig(raw, registry);
    const before = tf.memory().numTensors;
    const log = createMemoryLogger();
    const first = await runExperiment({ config, container, log, backend: 'cpu', outDir: out, progress: false });
    expect(first.summary.status).toBe('completed');
    expect(first.summary.test!['accuracy']).toBeGreaterThan(0.5);
    expect(log.lines.some((l) => /teacher: test accuracy/.test(l))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const log2 = createMemoryLogger();
    const second = await runExperiment({ config, container, log: log2, backend: 'cpu', outDir: out, progress: false });
    expect(log2.lines.some((l) => /teacher: loaded from cache/.test(l))).toBe(true);
    expect(second.summary.test).toEqual(first.summary.test);
  });

  it('reads the sklearn digits CSV when ../shared/data is present', async () => {
    const file = path.resolve(process.env['KT_SHARED_DATA'] ?? path.join(__dirname, '../../../../../shared/data'), 'digits/digits.csv.gz');
    if (!fs.existsSync(file)) {
      console.warn(`skipped: ${file} is absent (set KT_SHARED_DATA to the shared data folder)`);
      return;
    }
    const raw = applyOverrides(readConfigFile(path.join(configsDir, 'digits-csv.yaml')), [`data.path=${file}`, 'teacher.model.hidden=[32]', 'teacher.train.epochs=8', 'teacher.train.lr=0.01', 'train.epochs=8', 'train.lr=0.02']);
    const config = resolveExperimentConfig(raw, registry);
    const { summary } = await runExperiment({ config, container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp('kt-digits-'), progress: false });
    expect(summary.test!['accuracy']).toBeGreaterThan(0.8);
  });
});
