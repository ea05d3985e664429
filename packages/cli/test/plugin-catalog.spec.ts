import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '@kt/core';
import {
  findInstalledPackage,
  installedPluginPackages,
  isPathSpec,
  parsePluginList,
  PluginCatalog,
  resolvePluginSpec,
  workspacePluginDirs,
} from '../src/plugin-catalog';
import { FIXTURES, removeTmpDirs, tmpDir, TOY_PLUGIN_DIR } from './helpers';

afterAll(removeTmpDirs);

/** A package folder that re-exports the toy plugin, with its own package.json. */
function writePluginPackage(dir: string, name: string, exportName = 'toyPlugin', body?: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '0.0.1', main: 'index.js', kt: { plugin: exportName } }));
  fs.writeFileSync(path.join(dir, 'index.js'), body ?? `module.exports = require(${JSON.stringify(TOY_PLUGIN_DIR)});\n`);
}

describe('plugin specs', () => {
  it('tells paths from package names', () => {
    expect(['./x', '../x', '/abs/x', '.'].map(isPathSpec)).toEqual([true, true, true, true]);
    expect(['kt-plugin-x', '@scope/kt-x', '@kt/mt'].map(isPathSpec)).toEqual([false, false, false]);
  });

  it('resolves paths against the base dir and names through node_modules upward', () => {
    const root = tmpDir();
    writePluginPackage(path.join(root, 'node_modules', 'kt-plugin-found'), 'kt-plugin-found');
    const deep = path.join(root, 'a', 'b');
    fs.mkdirSync(deep, { recursive: true });
    expect(resolvePluginSpec('./p', [deep])).toBe(path.join(deep, 'p'));
    expect(resolvePluginSpec('kt-plugin-found', [deep])).toBe(path.join(root, 'node_modules', 'kt-plugin-found'));
    expect(findInstalledPackage('kt-plugin-missing', deep)).toBeUndefined();
    expect(resolvePluginSpec('kt-plugin-missing', [deep])).toBe('kt-plugin-missing');
  });

  it('splits KT_PLUGINS on commas', () => {
    expect(parsePluginList(' a, ./b ,,c ')).toEqual(['a', './b', 'c']);
    expect(parsePluginList(undefined)).toEqual([]);
  });
});

describe('PluginCatalog', () => {
  it('discovers workspace packages declaring kt.plugin, installed @kt/* packages and KT_PLUGINS, each once', () => {
    const root = tmpDir();
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'ws', workspaces: ['packages/*'] }));
    writePluginPackage(path.join(root, 'packages', 'toy'), '@kt/toy');
    writePluginPackage(path.join(root, 'packages', 'lib'), '@kt/lib-without-plugin');
    fs.writeFileSync(
      path.join(root, 'packages', 'lib', 'package.json'),
      JSON.stringify({ name: '@kt/lib-without-plugin', version: '1.0.0', main: 'index.js' }),
    );
    // The workspace link of the same package: loaded once.
    fs.mkdirSync(path.join(root, 'node_modules', '@kt'), { recursive: true });
    fs.symlinkSync(path.join(root, 'packages', 'toy'), path.join(root, 'node_modules', '@kt', 'toy'));
    // A broken workspace plugin: a warning, not an error.
    writePluginPackage(path.join(root, 'packages', 'broken'), '@kt/broken', 'brokenPlugin', 'throw new Error("cannot start");\n');
    fs.symlinkSync(path.join(root, 'packages', 'broken'), path.join(root, 'node_modules', '@kt', 'broken'));
    expect(workspacePluginDirs(root).map((d) => path.basename(d))).toEqual(['broken', 'toy']);
    expect(installedPluginPackages(root).map((d) => path.basename(d))).toEqual(['broken', 'toy']);

    const catalog = PluginCatalog.discover({ cwd: root, env: { KT_PLUGINS: TOY_PLUGIN_DIR }, requireFn: require, workspaceRoot: root });
    expect(catalog.loaded.map((l) => [l.plugin.name, l.packageName, l.origin])).toEqual([['toy', '@kt/toy', 'workspace']]);
    expect(catalog.failures).toHaveLength(1);
    expect(catalog.failures[0]).toMatchObject({ spec: '@kt/broken', origin: 'workspace' });
    expect(catalog.failures[0]!.message).toContain('cannot start');
    expect(catalog.registry().names()).toEqual(['toy']);
    expect(catalog.describeKnown()).toMatch(/^toy; packages that failed to load: @kt\/broken \(/);
  });

  it('loads a third-party plugin by path from a config (relative to the config folder)', () => {
    const catalog = PluginCatalog.empty(require).withConfigPlugins(['./toy-plugin'], FIXTURES, '/');
    expect(catalog.loaded).toHaveLength(1);
    expect(catalog.loaded[0]).toMatchObject({ packageName: 'kt-plugin-toy', origin: 'config' });
    expect(catalog.loaded[0]!.plugin.version).toBe('1.2.3');
  });

  it('makes a config plugin that fails to load an error', () => {
    const catalog = PluginCatalog.empty(require);
    expect(() => catalog.withConfigPlugins(['./no-such-plugin'], FIXTURES, FIXTURES)).toThrow(ConfigError);
    expect(() => catalog.withConfigPlugins(['kt-plugin-that-does-not-exist'], FIXTURES, FIXTURES)).toThrow(/cannot load plugin package "kt-plugin-that-does-not-exist"/);
  });

  it('refuses two different packages providing the same plugin name, naming both', () => {
    const root = tmpDir();
    writePluginPackage(path.join(root, 'copy'), 'kt-plugin-toy-copy', 'toyPlugin', `module.exports = { toyPlugin: { ...require(${JSON.stringify(TOY_PLUGIN_DIR)}).toyPlugin } };\n`);
    const catalog = PluginCatalog.empty(require).with(TOY_PLUGIN_DIR, 'env', [root]);
    expect(() => catalog.with('./copy', 'config', [root])).toThrow(/two packages provide the plugin "toy": kt-plugin-toy .* and kt-plugin-toy-copy/);
  });
});
