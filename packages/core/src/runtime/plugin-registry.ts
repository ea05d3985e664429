import * as fs from 'fs';
import * as path from 'path';
import { Container, ContainerModule } from 'inversify';
import type { z } from 'zod';
import { KtPlugin } from '../contracts/plugin';
import { Task } from '../contracts/task';
import { ConfigError } from './errors';

/** Where a plugin came from, for messages. */
export interface PluginSource {
  plugin: KtPlugin;
  /** npm package name or path it was loaded from. */
  from: string;
}

function isKtPlugin(value: unknown): value is KtPlugin {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['name'] === 'string' &&
    typeof v['description'] === 'string' &&
    v['module'] instanceof ContainerModule &&
    typeof (v['configSchema'] as z.ZodType | undefined)?.safeParse === 'function'
  );
}

/**
 * Loads a plugin package: its package.json names the export in `kt.plugin` (default `ktPlugin`).
 * `requireFn` resolves from the caller (so jest's module mapping and local installs both work).
 */
export function loadPluginPackage(spec: string, requireFn: NodeJS.Require = require): PluginSource {
  let mod: Record<string, unknown>;
  let exportName = 'ktPlugin';
  try {
    const pkgJson = requireFn(`${spec}/package.json`) as { kt?: { plugin?: string } };
    exportName = pkgJson.kt?.plugin ?? exportName;
  } catch {
    // No package.json reachable (a path to a file): use the default export name.
  }
  try {
    mod = requireFn(spec) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`cannot load plugin package "${spec}": ${(err as Error).message.split('\n')[0]}`);
  }
  const plugin = mod[exportName] ?? mod['default'];
  if (!isKtPlugin(plugin)) {
    throw new ConfigError(
      `package "${spec}" does not export a kt plugin as "${exportName}" (an object with name, description, configSchema and an inversify ContainerModule)`,
    );
  }
  return { plugin, from: spec };
}

/** The workspace root: the nearest ancestor whose package.json has `workspaces`. */
export function findWorkspaceRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        if ((JSON.parse(fs.readFileSync(pj, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        // ignore unreadable package.json
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Names of the workspace packages that declare `kt.plugin` in their package.json. */
export function workspacePluginPackages(root: string): string[] {
  const dir = path.join(root, 'packages');
  if (!fs.existsSync(dir)) return [];
  const names: string[] = [];
  for (const entry of fs.readdirSync(dir).sort()) {
    const pj = path.join(dir, entry, 'package.json');
    if (!fs.existsSync(pj)) continue;
    try {
      const pkg = JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string; kt?: { plugin?: string } };
      if (pkg.name && pkg.kt?.plugin) names.push(pkg.name);
    } catch {
      // skip a malformed package.json
    }
  }
  return names;
}

/** Every known plugin by name; a duplicate name is an error that names both packages. */
export class PluginRegistry {
  private readonly byName = new Map<string, PluginSource>();

  constructor(sources: PluginSource[]) {
    for (const s of sources) {
      const prev = this.byName.get(s.plugin.name);
      if (prev && prev.from !== s.from) {
        throw new ConfigError(`two packages provide the plugin "${s.plugin.name}": ${prev.from} and ${s.from}`);
      }
      this.byName.set(s.plugin.name, s);
    }
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  list(): PluginSource[] {
    return this.names().map((n) => this.byName.get(n)!);
  }

  get(name: string): KtPlugin {
    const s = this.byName.get(name);
    if (!s) {
      throw new ConfigError(`unknown plugin "${name}"; known plugins: ${this.names().join(', ') || '(none)'}`);
    }
    return s.plugin;
  }

  /** Validates a raw config against its plugin's schema. */
  schemaFor(name: string): z.ZodType {
    return this.get(name).configSchema;
  }
}

/** The composition root's container: core bindings plus each plugin's module. */
export function buildContainer(plugins: readonly KtPlugin[]): Container {
  const container = new Container();
  for (const p of plugins) {
    container.bind(KtPlugin).toConstantValue(p);
    container.load(p.module);
  }
  return container;
}

/** Tasks by `plugin/name`; unknown names list the valid ones, duplicates are errors. */
export class TaskRegistry {
  private readonly tasks = new Map<string, Task>();

  constructor(container: Container) {
    const all = container.isBound(Task) ? container.getAll<Task>(Task) : [];
    for (const t of all) {
      const key = `${t.plugin}/${t.name}`;
      if (this.tasks.has(key)) throw new ConfigError(`task "${t.name}" is registered twice by plugin "${t.plugin}"`);
      this.tasks.set(key, t);
    }
  }

  tasksOf(plugin: string): Task[] {
    return [...this.tasks.values()].filter((t) => t.plugin === plugin);
  }

  get(plugin: string, name: string): Task {
    const t = this.tasks.get(`${plugin}/${name}`);
    if (!t) {
      const known = this.tasksOf(plugin).map((x) => x.name);
      throw new ConfigError(`unknown task "${name}" for plugin "${plugin}"; known tasks: ${known.join(', ') || '(none)'}`);
    }
    return t;
  }
}
