import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { Task } from '../../src/contracts/task';
import type { KtPlugin } from '../../src/contracts/plugin';
import { pluginProblems, pluginTaskMismatches, schemaTaskNames } from '../../src/runtime/plugin-checks';
import { toyPlugin, ToyConfigSchema } from '../fixtures/toy-plugin';

function pluginWith(tasks: string[]): KtPlugin {
  return {
    ...toyPlugin,
    module: new ContainerModule(({ bind }) => {
      for (const name of tasks) bind<Task>(Task).toConstantValue({ plugin: 'toy', name, description: name, metrics: [], create: async () => Promise.reject(new Error('unused')) });
    }),
  };
}

describe('pluginTaskMismatches', () => {
  it('reads the task enum of a schema', () => {
    expect(schemaTaskNames(toyPlugin)).toEqual(ToyConfigSchema.shape.task.options);
  });

  it('passes a plugin whose schema and module agree', () => {
    expect(pluginTaskMismatches(toyPlugin)).toEqual([]);
  });

  it('names a listed task that is not bound and a bound task that is not listed', () => {
    const listed = ToyConfigSchema.shape.task.options.filter((t) => t !== 'nan');
    expect(pluginTaskMismatches(pluginWith([...listed, 'extra']))).toEqual([
      'plugin toy: schema lists task "nan" but no Task of that name is bound',
      'plugin toy: task "extra" is bound but the schema\'s task enum does not list it',
    ]);
  });
});

describe('pluginProblems', () => {
  it('names a config object that is not strict', () => {
    const loose = { ...toyPlugin, configSchema: ToyConfigSchema.extend({ extra: z.object({ a: z.number().default(1) }).default({ a: 1 }) }) };
    expect(pluginProblems(loose)).toEqual([
      'plugin toy: config object at extra is not strict (unknown keys would be dropped silently; use z.strictObject)',
    ]);
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-configs-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes valid shipped configs and names each bad one with its file and field', () => {
    fs.writeFileSync(path.join(dir, 'good.yaml'), 'plugin: toy\ntask: kd\ntrain: { steps: 3 }\n');
    expect(pluginProblems({ ...toyPlugin, configsDir: dir })).toEqual([]);
    fs.writeFileSync(path.join(dir, 'typo.yaml'), 'plugin: toy\ntask: kd\ntrain: { stepz: 3 }\n');
    fs.writeFileSync(path.join(dir, 'metric.yaml'), 'plugin: toy\ntask: kd\ntrain: { steps: 3, evalEvery: 1, earlyStopping: { metric: bleu, patience: 1 } }\n');
    const problems = pluginProblems({ ...toyPlugin, configsDir: dir });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^shipped config metric\.yaml: invalid config\n {2}- train\.earlyStopping\.metric: task toy\.kd does not report "bleu"/);
    expect(problems[1]).toMatch(/^shipped config typo\.yaml: invalid config\n {2}- train: Unrecognized key: "stepz"/);
  });
});
