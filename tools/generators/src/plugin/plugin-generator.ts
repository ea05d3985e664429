import * as path from 'path';
import { generateFiles, installPackagesTask, joinPathFragments, names, readJson, type GeneratorCallback, type Tree } from '@nx/devkit';

/** Options of `nx g @kt/tools:plugin` (see schema.json). */
export interface PluginGeneratorSchema {
  /** kebab-case plugin name: package `@kt/<name>`, config `plugin: <name>`. */
  name: string;
  /** One line describing the task family. */
  description?: string;
  /** Do not run `npm install` afterwards (it links the new package into node_modules). */
  skipInstall?: boolean;
}

/** The values the templates under `files/plugin` are rendered with. */
export interface PluginTemplateValues {
  /** kebab-case: `speech-kd`. */
  name: string;
  /** PascalCase: `SpeechKd`. */
  className: string;
  /** camelCase: `speechKd` (the plugin export is `speechKdPlugin`). */
  propertyName: string;
  /** SCREAMING_SNAKE: `SPEECH_KD`. */
  constantName: string;
  description: string;
  /** `description` as a JSON string literal (also valid in TypeScript and YAML). */
  descriptionJson: string;
  coreVersion: string;
  tfjsVersion: string;
  inversifyVersion: string;
  zodVersion: string;
  /** Strips the `__tmpl__` suffix from template file names. */
  tmpl: string;
}

/** Lower-case letters and digits, words joined by single hyphens, starting with a letter. */
export const PLUGIN_NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
export const PLUGIN_NAME_MAX_LENGTH = 40;
/** Names of workspace packages that are not plugins. */
export const RESERVED_PLUGIN_NAMES: readonly string[] = ['core', 'cli', 'native', 'tools', 'vision', 'kt'];

/** Templates live beside `src/` and `dist/`, so this resolves from either. */
const TEMPLATES_DIR = path.join(__dirname, '..', '..', 'files', 'plugin');

/** Throws a message saying what is wrong with `name` and what a valid one looks like. */
export function validatePluginName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new Error('kt plugin generator: --name is required, e.g. `nx g @kt/tools:plugin --name tabular`');
  }
  if (!PLUGIN_NAME_PATTERN.test(name)) {
    throw new Error(
      `kt plugin generator: invalid plugin name "${name}": use kebab-case — lower-case letters and digits, ` +
        'words joined by single hyphens, starting with a letter (e.g. "tabular", "speech-kd")',
    );
  }
  if (name.length > PLUGIN_NAME_MAX_LENGTH) {
    throw new Error(`kt plugin generator: invalid plugin name "${name}": at most ${PLUGIN_NAME_MAX_LENGTH} characters`);
  }
  if (RESERVED_PLUGIN_NAMES.includes(name)) {
    throw new Error(`kt plugin generator: "${name}" is reserved (${RESERVED_PLUGIN_NAMES.join(', ')}); choose another name`);
  }
  return name;
}

interface RootPackageJson {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function dependencyVersion(root: RootPackageJson, dep: string): string {
  const version = root.dependencies?.[dep] ?? root.devDependencies?.[dep];
  if (version === undefined) {
    throw new Error(`kt plugin generator: the root package.json does not depend on "${dep}"; a kt plugin needs it`);
  }
  return version;
}

/** Reads names and the workspace's dependency versions; throws on a bad name or an existing package. */
export function pluginTemplateValues(tree: Tree, options: PluginGeneratorSchema): PluginTemplateValues {
  const name = validatePluginName(options.name);
  const projectRoot = `packages/${name}`;
  if (tree.exists(projectRoot)) {
    throw new Error(`kt plugin generator: ${projectRoot} already exists; choose another name or remove it first`);
  }
  if (!tree.exists('package.json')) {
    throw new Error('kt plugin generator: no package.json at the workspace root; run it from the kt workspace');
  }
  const root = readJson<RootPackageJson>(tree, 'package.json');
  const corePackage = 'packages/core/package.json';
  const coreVersion = tree.exists(corePackage) ? readJson<RootPackageJson>(tree, corePackage).version : root.version;
  if (coreVersion === undefined) {
    throw new Error(`kt plugin generator: cannot tell the version of @kt/core (no version in ${corePackage} or the root package.json)`);
  }
  const n = names(name);
  const description =
    options.description?.replace(/\s+/g, ' ').trim() ||
    `kt plugin: ${name} (linear-softmax knowledge distillation on synthetic data; replace with your task family)`;
  return {
    name,
    className: n.className,
    propertyName: n.propertyName,
    constantName: n.constantName,
    description,
    descriptionJson: JSON.stringify(description),
    coreVersion,
    tfjsVersion: dependencyVersion(root, '@tensorflow/tfjs'),
    inversifyVersion: dependencyVersion(root, 'inversify'),
    zodVersion: dependencyVersion(root, 'zod'),
    tmpl: '',
  };
}

/**
 * Adds `"@kt/<name>": ["packages/<name>/src/index.ts"]` to tsconfig.base.json's paths (jest and
 * typecheck resolve workspace packages through it). Edits the text in place so the rest of the
 * file keeps its formatting; falls back to rewriting the JSON when the layout is unexpected.
 */
export function addPathMapping(tree: Tree, name: string): void {
  const file = 'tsconfig.base.json';
  if (!tree.exists(file)) {
    throw new Error(`kt plugin generator: no ${file} at the workspace root; cannot map @kt/${name} for jest and typecheck`);
  }
  const key = `@kt/${name}`;
  const target = `packages/${name}/src/index.ts`;
  const json = readJson<{ compilerOptions?: { paths?: Record<string, string[]> } }>(tree, file);
  if (json.compilerOptions?.paths?.[key] !== undefined) return;

  const text = tree.read(file, 'utf-8') ?? '';
  const edited = insertPathEntry(text, key, target);
  if (edited !== undefined) {
    tree.write(file, edited);
    return;
  }
  json.compilerOptions = { ...json.compilerOptions, paths: { ...json.compilerOptions?.paths, [key]: [target] } };
  tree.write(file, `${JSON.stringify(json, undefined, 2)}\n`);
}

/** Appends one entry to the `"paths": { … }` object of a tsconfig's text, or undefined if it cannot. */
export function insertPathEntry(text: string, key: string, target: string): string | undefined {
  const open = /"paths"\s*:\s*\{/.exec(text);
  if (!open) return undefined;
  const bodyStart = open.index + open[0].length;
  const close = text.indexOf('}', bodyStart);
  if (close < 0) return undefined;
  const body = text.slice(bodyStart, close);
  const entry = `${JSON.stringify(key)}: [${JSON.stringify(target)}]`;
  let result: string;
  const lastValue = body.trimEnd();
  if (lastValue === '') {
    const indent = (/\n([ \t]*)"paths"/.exec(text)?.[1] ?? '    ') + '  ';
    const closingIndent = indent.slice(2);
    result = `${text.slice(0, bodyStart)}\n${indent}${entry}\n${closingIndent}${text.slice(close)}`;
  } else {
    const lines = body.split('\n').filter((l) => l.trim() !== '');
    const indent = /^([ \t]*)/.exec(lines.at(-1) ?? '')?.[1] ?? '      ';
    const insertAt = bodyStart + lastValue.length;
    const comma = lastValue.endsWith(',') ? '' : ',';
    result = `${text.slice(0, insertAt)}${comma}\n${indent}${entry}${text.slice(insertAt)}`;
  }
  try {
    const parsed = JSON.parse(result) as { compilerOptions?: { paths?: Record<string, string[]> } };
    return parsed.compilerOptions?.paths?.[key]?.[0] === target ? result : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `nx g @kt/tools:plugin --name <name>`: creates packages/<name> (a working plugin with tasks `train`
 * and `kd` on kt's plugin contract, config schema, shipped configs, README and tests) and maps
 * `@kt/<name>` in tsconfig.base.json.
 * Returns the `npm install` that links the package into node_modules unless `skipInstall`.
 */
export async function pluginGenerator(tree: Tree, options: PluginGeneratorSchema): Promise<GeneratorCallback | undefined> {
  const values = pluginTemplateValues(tree, options);
  const projectRoot = joinPathFragments('packages', values.name);
  generateFiles(tree, TEMPLATES_DIR, projectRoot, { ...values });
  addPathMapping(tree, values.name);
  if (options.skipInstall) return undefined;
  return () => installPackagesTask(tree, true);
}

export default pluginGenerator;
