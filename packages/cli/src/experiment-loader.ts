import * as path from 'path';
import {
  applyOverrides,
  ConfigError,
  readConfigFile,
  resolveExperimentConfig,
  TaskRegistry,
  type BaseExperimentConfig,
  type RawConfig,
} from '@kt/core';
import { isPathSpec, type PluginCatalog } from './plugin-catalog';

/** A validated experiment with the plugins and container it runs with. */
export interface LoadedExperiment {
  config: BaseExperimentConfig;
  catalog: PluginCatalog;
  container: ReturnType<PluginCatalog['container']>;
  /** The file (or run directory) the config came from, for messages. */
  source: string;
}

/**
 * Rewrites relative paths in `plugins:` to absolute ones (relative to the config's folder), so the
 * resolved config saved in a run directory still finds them on `--resume`.
 */
export function absolutizePluginPaths(raw: RawConfig, baseDir: string): RawConfig {
  const list = raw['plugins'];
  if (!Array.isArray(list)) return raw;
  return { ...raw, plugins: list.map((s: unknown) => (typeof s === 'string' && isPathSpec(s) ? path.resolve(baseDir, s) : s)) };
}

/**
 * Loads the config's own `plugins:` (an error when one fails), then validates the config as the
 * union over every known plugin (discriminated on `plugin`) and checks its task is registered.
 */
export function resolveExperiment(raw: RawConfig, source: string, baseDir: string, catalog: PluginCatalog, cwd: string): LoadedExperiment {
  const withPaths = absolutizePluginPaths(raw, baseDir);
  const list = withPaths['plugins'];
  let specs: string[] = [];
  if (list !== undefined) {
    if (!Array.isArray(list) || !list.every((s): s is string => typeof s === 'string' && s.length > 0)) {
      throw new ConfigError(`${source}: invalid config\n  - plugins: expected a list of plugin package names or paths`);
    }
    specs = list;
  }
  const full = catalog.withConfigPlugins(specs, baseDir, cwd);
  const name = withPaths['plugin'];
  if (typeof name === 'string' && !full.loaded.some((l) => l.plugin.name === name)) {
    throw new ConfigError(`${source}: invalid config\n  - plugin: unknown plugin "${name}"; known plugins: ${full.describeKnown()}`);
  }
  if (name === undefined) {
    throw new ConfigError(`${source}: invalid config\n  - plugin: required; known plugins: ${full.describeKnown()}`);
  }
  const config = resolveExperimentConfig(withPaths, full.registry(), source);
  const container = full.container();
  new TaskRegistry(container).get(config.plugin, config.task);
  return { config, catalog: full, container, source };
}

/** Reads a YAML/JSON config file, applies `--set` overrides and resolves it. */
export function loadExperimentFile(file: string, overrides: readonly string[], catalog: PluginCatalog, cwd: string): LoadedExperiment {
  const abs = path.resolve(cwd, file);
  const shown = path.resolve(file) === abs ? file : abs;
  const fromFile: RawConfig = readConfigFile(shown);
  const raw = applyOverrides(fromFile, overrides);
  return resolveExperiment(raw, file, path.dirname(abs), catalog, cwd);
}
