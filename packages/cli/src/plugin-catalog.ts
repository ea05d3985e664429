import * as fs from 'fs';
import * as path from 'path';
import {
  buildContainer,
  ConfigError,
  loadPluginPackage,
  PluginRegistry,
  workspacePluginPackages,
  type KtPlugin,
} from '@kt/core';

/** Where a plugin was found: the workspace, an installed `@kt/*` package, env KT_PLUGINS or the config's `plugins:`. */
export type PluginOrigin = 'workspace' | 'installed' | 'env' | 'config';

export interface LoadedPlugin {
  plugin: KtPlugin;
  /** npm package name (or the spec, for a plugin file without package.json). */
  packageName: string;
  /** Real path of the package folder (or file), used to load each package once. */
  location: string;
  origin: PluginOrigin;
}

export interface PluginLoadFailure {
  spec: string;
  origin: PluginOrigin;
  message: string;
}

export interface DiscoveryOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Loads plugin modules; pass the caller's `require` so module mapping (jest) applies. */
  requireFn: NodeJS.Require;
  /** Workspace whose `packages/*` declaring `kt.plugin` are loaded; undefined skips the workspace scan. */
  workspaceRoot?: string;
  /** Scan `node_modules/@kt/*` from cwd upward (default true). */
  scanInstalled?: boolean;
}

/** A spec is a path when it starts with `./`, `../` or `/` (or is `.`/`..`); otherwise it is a package name. */
export function isPathSpec(spec: string): boolean {
  return spec === '.' || spec === '..' || /^\.\.?[\\/]/.test(spec) || path.isAbsolute(spec);
}

/** The folder of package `name` in the nearest `node_modules` at or above `start`. */
export function findInstalledPackage(name: string, start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Folders of `node_modules/@kt/*` packages that declare `kt.plugin`, from `start` upward (nearest first). */
export function installedPluginPackages(start: string): string[] {
  const found: string[] = [];
  let dir = path.resolve(start);
  for (;;) {
    const scope = path.join(dir, 'node_modules', '@kt');
    if (fs.existsSync(scope)) {
      for (const entry of fs.readdirSync(scope).sort()) {
        const pkgDir = path.join(scope, entry);
        if (readPackageJson(pkgDir)?.kt?.plugin) found.push(pkgDir);
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return found;
    dir = parent;
  }
}

/** Folders of the workspace packages (`<root>/packages/*`) that declare `kt.plugin`. */
export function workspacePluginDirs(root: string): string[] {
  const names = new Set(workspacePluginPackages(root));
  const parent = path.join(root, 'packages');
  if (names.size === 0 || !fs.existsSync(parent)) return [];
  return fs
    .readdirSync(parent)
    .sort()
    .map((entry) => path.join(parent, entry))
    .filter((dir) => {
      const name = readPackageJson(dir)?.name;
      return name !== undefined && names.has(name);
    });
}

interface PackageJson {
  name?: string;
  version?: string;
  kt?: { plugin?: string };
}

function readPackageJson(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** Turns a spec into what `require` should load: an absolute path, an installed folder, or the bare name. */
export function resolvePluginSpec(spec: string, baseDirs: readonly string[]): string {
  if (isPathSpec(spec)) return path.resolve(baseDirs[0] ?? process.cwd(), spec);
  for (const dir of baseDirs) {
    const found = findInstalledPackage(spec, dir);
    if (found) return found;
  }
  return spec;
}

function locate(resolved: string, requireFn: NodeJS.Require): { location: string; packageName?: string } {
  try {
    if (fs.existsSync(resolved) && fs.statSync(resolved).isFile()) return { location: fs.realpathSync(resolved) };
    const pj = requireFn.resolve(`${resolved}/package.json`);
    const dir = fs.realpathSync(path.dirname(pj));
    return { location: dir, packageName: readPackageJson(dir)?.name };
  } catch {
    return { location: resolved };
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/**
 * The plugins kt knows in this process: found in the workspace, under `node_modules/@kt/*`, in
 * env KT_PLUGINS, and (per experiment) in the config's `plugins:` list. Immutable: adding the
 * config's plugins returns a new catalog.
 */
export class PluginCatalog {
  private constructor(
    readonly loaded: readonly LoadedPlugin[],
    readonly failures: readonly PluginLoadFailure[],
    private readonly requireFn: NodeJS.Require,
  ) {}

  static empty(requireFn: NodeJS.Require): PluginCatalog {
    return new PluginCatalog([], [], requireFn);
  }

  /** Loads every discoverable plugin; a package that fails to load is recorded in `failures`. */
  static discover(options: DiscoveryOptions): PluginCatalog {
    let catalog = PluginCatalog.empty(options.requireFn);
    const specs: { spec: string; origin: PluginOrigin; baseDirs: string[] }[] = [];
    if (options.workspaceRoot) {
      for (const dir of workspacePluginDirs(options.workspaceRoot)) specs.push({ spec: dir, origin: 'workspace', baseDirs: [options.workspaceRoot] });
    }
    if (options.scanInstalled !== false) {
      for (const dir of installedPluginPackages(options.cwd)) specs.push({ spec: dir, origin: 'installed', baseDirs: [options.cwd] });
    }
    for (const spec of parsePluginList(options.env['KT_PLUGINS'])) specs.push({ spec, origin: 'env', baseDirs: [options.cwd] });
    const failedAt = new Set<string>();
    for (const s of specs) {
      // The same package reached twice (a workspace package and its node_modules link) fails once.
      const where = locate(resolvePluginSpec(s.spec, s.baseDirs), options.requireFn).location;
      if (failedAt.has(where)) continue;
      failedAt.add(where);
      try {
        catalog = catalog.with(s.spec, s.origin, s.baseDirs);
      } catch (err) {
        const shown = isPathSpec(s.spec) ? (readPackageJson(s.spec)?.name ?? s.spec) : s.spec;
        catalog = new PluginCatalog(catalog.loaded, [...catalog.failures, { spec: shown, origin: s.origin, message: firstLine(err) }], catalog.requireFn);
      }
    }
    return catalog;
  }

  /**
   * Adds the plugins a config names (`plugins:`), paths relative to `baseDir`. Unlike discovery,
   * a package that fails to load is an error.
   */
  withConfigPlugins(specs: readonly string[], baseDir: string, cwd: string): PluginCatalog {
    return specs.reduce<PluginCatalog>((catalog, spec) => catalog.with(spec, 'config', [baseDir, cwd]), this);
  }

  /** Loads one more plugin; throws ConfigError when it cannot be loaded or its name is taken. */
  with(spec: string, origin: PluginOrigin, baseDirs: readonly string[]): PluginCatalog {
    const resolved = resolvePluginSpec(spec, baseDirs);
    const { location, packageName } = locate(resolved, this.requireFn);
    if (this.loaded.some((l) => l.location === location)) return this;
    const { plugin } = loadPluginPackage(resolved, this.requireFn);
    const name = packageName ?? spec;
    const same = this.loaded.find((l) => l.plugin.name === plugin.name);
    if (same) {
      if (same.plugin === plugin) return this;
      throw new ConfigError(`two packages provide the plugin "${plugin.name}": ${same.packageName} (${same.location}) and ${name} (${location})`);
    }
    return new PluginCatalog([...this.loaded, { plugin, packageName: name, location, origin }], this.failures, this.requireFn);
  }

  plugins(): KtPlugin[] {
    return this.loaded.map((l) => l.plugin);
  }

  registry(): PluginRegistry {
    return new PluginRegistry(this.loaded.map((l) => ({ plugin: l.plugin, from: l.packageName })));
  }

  container(): ReturnType<typeof buildContainer> {
    return buildContainer(this.plugins());
  }

  /** The names of the known plugins, with the packages that failed to load, for error messages. */
  describeKnown(): string {
    const names = this.loaded.map((l) => l.plugin.name).sort();
    const failed = this.failures.map((f) => `${f.spec} (${f.message})`);
    return `${names.join(', ') || '(none)'}${failed.length > 0 ? `; packages that failed to load: ${failed.join('; ')}` : ''}`;
  }
}

/** Splits env KT_PLUGINS: comma-separated package names or paths. */
export function parsePluginList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
