import { ContainerModule } from 'inversify';
import { Task } from '../../src/contracts/task';
import type { KtPlugin } from '../../src/contracts/plugin';
import { pluginTaskMismatches, schemaTaskNames } from '../../src/runtime/plugin-checks';
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
