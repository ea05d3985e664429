import { formatPluginsReport, pluginsCommand } from '../../src/commands/plugins-command';
import { PluginCatalog } from '../../src/plugin-catalog';
import { toyCatalog } from '../helpers';

describe('pluginsCommand', () => {
  it('lists each plugin with its version, package and the tasks its module registers', () => {
    const report = pluginsCommand(toyCatalog());
    expect(report.plugins).toEqual([
      {
        name: 'toy',
        version: '1.2.3',
        packageName: 'kt-plugin-toy',
        origin: 'env',
        tasks: ['kd', 'nan'],
        description: 'toy linear-softmax distillation (third-party test plugin)',
      },
    ]);
    const lines = formatPluginsReport(report).split('\n');
    expect(lines[0]).toMatch(/^name +version +package +tasks +description$/);
    expect(lines[2]).toMatch(/^toy +1\.2\.3 +kt-plugin-toy +kd, nan +toy linear-softmax/);
  });

  it('says where it looked when there is no plugin', () => {
    expect(formatPluginsReport(pluginsCommand(PluginCatalog.empty(require)))).toMatch(/^no plugins found/);
  });
});
