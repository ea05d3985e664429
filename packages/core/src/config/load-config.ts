import * as fs from 'fs';
import * as path from 'path';
import { parseDocument, parse as parseYamlValue } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../runtime/errors';

export type RawConfig = Record<string, unknown>;

/** One line per issue: `- train.lr: Too small: expected number to be >0`. */
export function formatZodError(error: z.ZodError, source?: string): string {
  const lines = error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `  - ${where}: ${issue.message}`;
  });
  return `${source ? `${source}: ` : ''}invalid config\n${lines.join('\n')}`;
}

/** Parses YAML or JSON text; syntax errors name the file, line and column. */
export function parseConfigText(text: string, source: string): RawConfig {
  if (source.endsWith('.json')) {
    try {
      return asObject(JSON.parse(text), source);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const msg = (err as Error).message;
      const pos = /position (\d+)/.exec(msg);
      if (pos) {
        const offset = Number(pos[1]);
        const before = text.slice(0, offset).split('\n');
        throw new ConfigError(`${source}:${before.length}:${(before.at(-1)?.length ?? 0) + 1}: malformed JSON: ${msg}`);
      }
      throw new ConfigError(`${source}: malformed JSON: ${msg}`);
    }
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const lc = e.linePos?.[0];
    const where = lc ? `${source}:${lc.line}:${lc.col}` : source;
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${where}: malformed YAML: ${message}`);
  }
  return asObject(doc.toJS(), source);
}

function asObject(value: unknown, source: string): RawConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${source}: a config must be a mapping of keys to values`);
  }
  return value as RawConfig;
}

/** Reads a YAML or JSON config file. */
export function readConfigFile(file: string): RawConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`config file not found: ${file}`);
    if (code === 'EISDIR') throw new ConfigError(`config path is a directory, not a file: ${file}`);
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  return parseConfigText(text, file);
}

/** Path segments that would reach an object's prototype instead of a config field. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Applies `--set a.b.c=value` overrides. Values are read as YAML scalars, so `1e-3` is a number,
 * `true` a boolean and `[1,2]` a list; intermediate mappings are created as needed.
 */
export function applyOverrides(config: RawConfig, overrides: readonly string[]): RawConfig {
  const out = structuredClone(config);
  for (const item of overrides) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set expects key=value, got "${item}"`);
    const key = item.slice(0, eq).trim();
    const rawValue = item.slice(eq + 1);
    if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(key)) {
      throw new ConfigError(`--set key "${key}" is not a dotted path such as train.lr`);
    }
    let value: unknown;
    try {
      value = parseYamlValue(rawValue);
    } catch {
      value = rawValue;
    }
    const parts = key.split('.');
    const forbidden = parts.find((p) => FORBIDDEN_KEYS.has(p));
    if (forbidden !== undefined) {
      throw new ConfigError(`--set ${item}: "${forbidden}" cannot be a config key (no config field has that name)`);
    }
    let node: RawConfig = out;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (next === undefined || next === null) {
        node[part] = {};
      } else if (typeof next !== 'object' || Array.isArray(next)) {
        throw new ConfigError(`--set ${key}: "${part}" is not a mapping in the config`);
      }
      node = node[part] as RawConfig;
    }
    node[parts.at(-1)!] = value;
  }
  return out;
}

/** Validates with a zod schema; failures become a ConfigError listing every bad field. */
export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown, source?: string): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatZodError(result.error, source));
  return result.data;
}
