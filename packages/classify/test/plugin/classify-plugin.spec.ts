import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, pluginProblems, validateExperiment } from '@kt/core';
import { pluginHarness, useBackend } from '@kt/core/testing';
import { classifyPlugin } from '../../src';

const h = pluginHarness(classifyPlugin, '@kt/classify');
useBackend('wasm');

describe('classify plugin', () => {
  it.each(h.shippedConfigs())('shipped config %s validates', (file) => {
    const cfg = h.config(file);
    expect(cfg.plugin).toBe('classify');
  });

  it('distils a trained teacher into a learner that beats chance, caching the teacher', async () => {
    const out = h.tmp('kt-classify-');
    const raw = h.raw('mnist-backward.yaml', ['data.perDigit=40', 'teacher.model.hidden=[64]', 'teacher.train.epochs=6', 'train.epochs=4', 'train.batchSize=32']);
    const config = h.config(raw);
    const before = tf.memory().numTensors;
    const first = await h.run(config, { outDir: out });
    expect(first.summary.status).toBe('completed');
    expect(first.summary.test!['accuracy']).toBeGreaterThan(0.5);
    expect(first.log.some((l) => /teacher: test accuracy/.test(l))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const second = await h.run(config, { outDir: out });
    expect(second.log.some((l) => /teacher: reusing the trained teacher run/.test(l))).toBe(true);
    expect(second.summary.test).toEqual(first.summary.test);
    // The teacher is a run of its own (task train), named by the KD run and usable as teacher.checkpoint.
    const teacherRun = first.summary.teachers![0]!.runDir;
    expect(second.summary.teachers).toEqual([{ ...first.summary.teachers![0]!, fromCache: true, seconds: expect.any(Number) }]);
    const teacherSummary = JSON.parse(fs.readFileSync(path.join(teacherRun, 'summary.json'), 'utf8'));
    expect(teacherSummary).toMatchObject({ plugin: 'classify', task: 'train', status: 'completed' });
    const fromCheckpoint = await h.run(h.config(raw, [`teacher.checkpoint=${teacherRun}`]), { outDir: h.tmp('kt-classify-ckpt-') });
    expect(fromCheckpoint.summary.test).toEqual(first.summary.test);
  });

  it('kt validate finds a missing CSV, a missing teacher checkpoint and an early-stopping metric the task does not report', () => {
    const config = h.config(h.raw('digits-csv.yaml', [
      'data.path=/nonexistent/digits.csv',
      'teacher.checkpoint=/nonexistent/teacher-run',
      'train.evalEvery=10',
      'train.earlyStopping.metric=bleu',
      'train.earlyStopping.patience=2',
    ]));
    let message = '';
    try {
      validateExperiment(config, h.container, 'digits-csv.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/^digits-csv\.yaml: invalid config/);
    expect(message).toContain('- data.path: file /nonexistent/digits.csv does not exist');
    expect(message).toContain('- teacher.checkpoint: /nonexistent/teacher-run is neither');
    expect(message).toContain('- train.earlyStopping.metric: task classify.kd does not report "bleu"; it reports: accuracy, nll');
  });

  it('plugin meta-check: schema tasks match the registered ones, every shipped config passes its schema and task checks', () => {
    expect(pluginProblems(classifyPlugin)).toEqual([]);
  });

  it('reads the sklearn digits CSV when ../shared/data is present', async () => {
    const file = path.resolve(process.env['KT_SHARED_DATA'] ?? path.join(__dirname, '../../../../../shared/data'), 'digits/digits.csv.gz');
    if (!fs.existsSync(file)) {
      console.warn(`skipped: ${file} is absent (set KT_SHARED_DATA to the shared data folder)`);
      return;
    }
    const config = h.config('digits-csv.yaml', [`data.path=${file}`, 'teacher.model.hidden=[32]', 'teacher.train.epochs=8', 'teacher.train.lr=0.01', 'train.epochs=8', 'train.lr=0.02']);
    const { summary } = await h.run(config, { outDir: h.tmp('kt-digits-') });
    expect(summary.test!['accuracy']).toBeGreaterThan(0.8);
  });
});
