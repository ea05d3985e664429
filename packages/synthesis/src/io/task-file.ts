import * as fs from 'fs';
import { ConfigError, formatZodError } from '@kt/core';
import { z } from 'zod';
import { jsonType, valueFromJson, ValueTypeError } from '../lang/json-values';
import { arrow, canonicalType, parseType, showType, TypeContext, TypeSyntaxError, type Type } from '../lang/types';
import type { ProgramTask } from '../search/solve';

const ExampleSchema = z
  .strictObject({
    /** The program's one argument. */
    input: z.unknown().optional(),
    /** The program's arguments in order (instead of `input`, for functions of several arguments). */
    inputs: z.array(z.unknown()).min(1).optional(),
    output: z.custom<unknown>((v) => v !== undefined, { message: 'missing "output"' }),
  })
  .refine((e) => (e.input !== undefined) !== (e.inputs !== undefined), { message: 'give exactly one of "input" and "inputs"' });

/** One task of a task file: `{ name, description?, type?, examples: [{ input | inputs, output }] }`. */
export const TaskFileEntrySchema = z.strictObject({
  name: z.string().min(1),
  /** English description(s) of the task (LAPS); one string or several. */
  description: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** The function's type, e.g. `list(int) -> int`; inferred from the examples when absent. */
  type: z.string().min(1).optional(),
  examples: z.array(ExampleSchema),
});
export type TaskFileEntry = z.infer<typeof TaskFileEntrySchema>;

export const TaskFileSchema = z.array(TaskFileEntrySchema).min(1, 'the task file holds no tasks');

/** A loaded task: a ProgramTask plus all of its descriptions. */
export interface LoadedTask extends ProgramTask {
  readonly descriptions: readonly string[];
}

/**
 * Offset of the first syntax error in JSON text (JSON.parse of Node 20 does not always say where): a
 * recursive-descent scan of the grammar of RFC 8259, returning text.length when the error is the end.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  class At extends Error {
    constructor(readonly offset: number) {
      super('json');
    }
  }
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (lit: string): void => {
    for (const ch of lit) {
      if (text[i] !== ch) throw new At(i);
      i++;
    }
  };
  const str = (): void => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) throw new At(i);
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) throw new At(i);
          i += 5;
        } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i]!)) i++;
        else throw new At(i);
      } else i++;
    }
    expect('"');
  };
  const num = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) throw new At(i);
    i += m[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        str();
        ws();
        expect(':');
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else throw new At(i);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else throw new At(i);
      }
    }
    if (c === '"') return str();
    if (c === 't') return expect('true');
    if (c === 'f') return expect('false');
    if (c === 'n') return expect('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return num();
    throw new At(i);
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (e) {
    if (e instanceof At) return e.offset;
    throw e;
  }
}

/** JSON.parse with errors as ConfigError naming `source`, line and column. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : jsonErrorOffset(text);
    const before = text.slice(0, offset).split('\n');
    throw new ConfigError(`${source}:${before.length}:${(before.at(-1)?.length ?? 0) + 1}: not valid JSON: ${msg}`);
  }
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (err as Error).message})`}`);
  }
  return parseJsonText(text.replace(/^\uFEFF/, ''), file);
}

/**
 * The type of a task from its examples: each example's inputs and output are typed (`jsonType`) and unified
 * with the examples before it (and with `declared`, when given). The first disagreement is a ConfigError
 * naming the task, the example (1-based) and both types.
 */
export function inferTaskType(entry: TaskFileEntry, source: string): Type {
  const where = `${source}: task "${entry.name}"`;
  if (entry.examples.length === 0) throw new ConfigError(`${where}: the example list is empty`);
  const ctx = new TypeContext();
  let request: Type | undefined;
  if (entry.type !== undefined) {
    try {
      request = ctx.instantiate(parseType(entry.type));
    } catch (e) {
      if (e instanceof TypeSyntaxError) throw new ConfigError(`${where}: ${e.message}`);
      throw e;
    }
  }
  entry.examples.forEach((ex, i) => {
    const at = `${where}, example ${i + 1}`;
    const inputs = ex.inputs ?? [ex.input];
    let t: Type;
    try {
      t = arrow(...inputs.map((x, k) => jsonType(x, ctx, inputs.length === 1 ? 'input' : `inputs[${k}]`)), jsonType(ex.output, ctx, 'output'));
    } catch (e) {
      if (e instanceof ValueTypeError) throw new ConfigError(`${at}: ${e.message}`);
      throw e;
    }
    if (request === undefined) request = t;
    else if (!ctx.unify(request, t)) {
      const earlier = i === 0 ? 'the declared type' : i === 1 ? 'example 1' : `examples 1–${i}`;
      const what = entry.type !== undefined && i > 0 ? `${earlier} and the declared type` : earlier;
      throw new ConfigError(`${at}: has type ${showType(canonicalType(ctx.apply(t)))}, unlike ${what} (${showType(canonicalType(ctx.apply(request)))})`);
    }
  });
  return canonicalType(ctx.apply(request!));
}

/** Builds tasks from parsed task-file JSON (`source` names the file in errors). */
export function tasksFromJson(json: unknown, source: string): LoadedTask[] {
  const parsed = TaskFileSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error, source).replace('invalid config', 'invalid task file'));
  const names = new Set<string>();
  return parsed.data.map((entry) => {
    if (names.has(entry.name)) throw new ConfigError(`${source}: task "${entry.name}" appears twice`);
    names.add(entry.name);
    const request = inferTaskType(entry, source);
    const descriptions = entry.description === undefined ? [] : typeof entry.description === 'string' ? [entry.description] : entry.description;
    return {
      name: entry.name,
      request,
      description: descriptions[0],
      descriptions,
      examples: entry.examples.map((ex) => ({ inputs: (ex.inputs ?? [ex.input]).map(valueFromJson), output: valueFromJson(ex.output) })),
    };
  });
}

/** Reads a task file `[{ name, description?, type?, examples: [{ input, output }] }]`; every error is a ConfigError. */
export function loadTaskFile(file: string): LoadedTask[] {
  return tasksFromJson(readJsonFile(file), file);
}
